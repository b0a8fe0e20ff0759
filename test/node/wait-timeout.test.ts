// A wait with a timeout and no interrupt to take returns -1 (WAIT_TIMEOUT), in every mode, and not
// before its timeout: 'block' never reads the clock (the park's own timeout is its deadline),
// 'poll' and 'spin' do.
import { expect, test } from 'vitest';
import { Host } from '../../src/index.ts';

const waiter = `data:text/javascript,${encodeURIComponent(`export default (vm, { mode, timeoutMs }) => {
  vm.bringUp();
  const start = performance.now();
  const vector = vm.wait({ mode, timeoutMs });
  return { vector, ms: performance.now() - start };
}`)}`;

test('every wait mode gives up with -1 once its timeout has passed with no interrupt, and not before', async () => {
  const host = await Host.create({ memory: '16M' });
  host.addServer({ id: 'srv', size: '1M', vectors: 1 });
  const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
  for (const mode of ['block', 'poll', 'spin'] as const) {
    for (const timeoutMs of [0, 1, 50]) {
      const { vector, ms } = await vm.run(waiter, { mode, timeoutMs }) as { vector: number; ms: number };
      expect(vector, `${mode}, ${timeoutMs} ms`).toBe(-1);
      expect(ms, `${mode}, ${timeoutMs} ms: not before the timeout`).toBeGreaterThanOrEqual(timeoutMs);
    }
  }
  await host.shutdown();
}, 60_000);
