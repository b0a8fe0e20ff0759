// A parked guest is woken by every delivery: the core pays the sequence word and the notify only
// when the guest is counted as parked (assembly/cpu.ts), so the parking and the delivering side
// must never miss each other. A lost wake-up would show as a wait that times out.
import { expect, test } from 'vitest';
import { Host } from '../../src/index.ts';

const program = new URL('../programs/ping-pong.ts', import.meta.url).href;

test('30,000 blocking round trips: every delivery wakes its parked guest', async () => {
  const host = await Host.create({ memory: '32M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const a = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds: 30_000, serve: false, mode: 'block' } });
  const b = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds: 30_000, serve: true, mode: 'block' } });
  const results = (await Promise.all([a.result, b.result])) as { received: number; unexpected: number }[];
  expect(results.map((r) => [r.received, r.unexpected])).toEqual([[30_000, 0], [30_000, 0]]);
  await host.shutdown();
}, 120_000);
