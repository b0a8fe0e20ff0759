// Guest VMs in worker_threads: spawning, the guest API, ping-pong, killing a VM mid-run.
import { describe, expect, test } from 'vitest';
import { Host, QemuError, driver } from '../../src/index.ts';
import { until } from '../cases/helpers.ts';

const program = (name: string) => new URL(`../programs/${name}.ts`, import.meta.url).href;

describe('VM workers in Node', () => {
  test('two VMs ping-pong 2000 doorbells with nothing lost or duplicated', async () => {
    const host = await Host.create({ memory: '32M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const a = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('ping-pong'), arg: { rounds: 2000, serve: false } });
    const b = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('ping-pong'), arg: { rounds: 2000, serve: true } });
    const [ra, rb] = await Promise.all([a.result, b.result]) as { received: number; sent: number; unexpected: number; extra: number }[];
    expect([ra.received, ra.sent, ra.unexpected, ra.extra]).toEqual([2000, 2000, 0, -1]);
    expect([rb.received, rb.sent, rb.unexpected, rb.extra]).toEqual([2000, 2000, 0, -1]);
    expect(a.counters.delivered[0]).toBe(2000);
    expect(b.counters.delivered[0]).toBe(2000);
    expect(a.log.at(-1)).toMatch(/sent 2000, received 2000/);
    await Promise.all([a.terminate(), b.terminate()]);
    expect(host.devices).toEqual([]);
  }, 30_000);

  test('every wait mode delivers: block, poll, spin', async () => {
    const host = await Host.create({ memory: '32M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    for (const mode of ['block', 'poll', 'spin'] as const) {
      const a = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('ping-pong'), arg: { rounds: 200, serve: false, mode } });
      const b = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('ping-pong'), arg: { rounds: 200, serve: true, mode } });
      const results = await Promise.all([a.result, b.result]) as { received: number }[];
      expect(results.map((r) => r.received), mode).toEqual([200, 200]);
      await Promise.all([a.terminate(), b.terminate()]);
    }
  }, 30_000);

  test('a host-side device and a VM ring each other; stop() ends a blocked program', async () => {
    const host = await Host.create({ memory: '32M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 2 });
    const local = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
    driver.bringUpDoorbell(local);
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program: program('echo'), arg: { replyTo: 0 } });
    expect(vm.id).toBe(1);
    await until(() => vm.log.some((l) => l.includes('ready')), 'the VM being ready', 60_000);
    driver.ring(local, vm.id, 1);
    await until(() => local.interrupts.delivered(1) > 0, 'the echo', 60_000);
    expect(local.interrupts.delivered(1)).toBe(1);
    expect(vm.counters.delivered).toEqual([0, 1]);
    vm.stop();
    expect(await vm.result).toBe(1);
    await vm.terminate();
  }, 20_000);

  test('a VM waiting with waitAsync answers control calls; one in a blocking wait still takes stop()', async () => {
    const host = await Host.create({ memory: '32M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const asyncVm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('echo'), arg: { async: true } });
    const blockingVm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('echo'), arg: {} });
    await until(() => asyncVm.log.length > 0 && blockingVm.log.length > 0, 'both VMs starting', 60_000);
    const inspection = await asyncVm.inspect();
    expect(inspection.program).toBe(program('echo'));
    expect(inspection.peers.map((p) => p.id)).toEqual([0, 1]);
    expect(inspection.lines).toBe(1);
    let answered = false;
    const late = blockingVm.inspect().then((i) => { answered = true; return i; });
    // A negative check needs a window; load can only make it weaker, never make it fail.
    await new Promise((r) => setTimeout(r, 100));
    expect(answered, 'a blocking wait holds the event loop').toBe(false);
    expect(blockingVm.counters.delivered, 'counters come from shared memory').toEqual([0]);
    blockingVm.stop();
    expect(await blockingVm.result).toBe(0);
    expect((await late).program, 'answered once the program returned').toBe(undefined);
    asyncVm.stop();
    expect(await asyncVm.result).toBe(0);
    await Promise.all([asyncVm.terminate(), blockingVm.terminate()]);
  }, 20_000);

  test('a Node worker stays alive through a long waitAsync with nothing else pending', async () => {
    const host = await Host.create({ memory: '32M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('idle'), arg: { timeoutMs: 400 } });
    expect(await vm.result).toBe(-1);
    await vm.terminate();
  }, 20_000);

  test('a VM parked in a blocking wait while more messages arrive than its inbox holds loses none', async () => {
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 64 });
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=64', program: program('echo'), arg: {} });
    await until(() => vm.log.length > 0, 'the VM starting', 60_000);
    const quiet = { receive() {}, hangup() {} };
    // 24 newcomers x 64 eventfds = 1536 messages for the parked VM, more than its 1024-entry inbox.
    for (let i = 0; i < 24; i++) server.connect(quiet);
    vm.stop();
    expect(await vm.result).toBe(0);
    // the VM takes its inbox as its event loop runs: wait for that, with a budget a loaded machine meets
    let peers = (await vm.inspect()).peers;
    await until(async () => {
      peers = (await vm.inspect()).peers;
      return peers.length === 25 && peers.every((p) => p.vectors === 64);
    }, 'the VM taking every message', 60_000).catch(() => {}); // the expectations below say what is missing
    expect(peers).toHaveLength(25);
    expect(peers.every((p) => p.vectors === 64)).toBe(true);
    await vm.terminate();
  }, 150_000);

  test('killing a VM mid-run: the server announces it gone, doorbells to it are ignored, the rest runs on', async () => {
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const survivor = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('echo'), arg: { async: true } });
    const victim = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('echo'), arg: {} });
    const local = host.realize('ivshmem-doorbell,chardev=srv');
    driver.bringUpDoorbell(local);
    await until(() => victim.log.some((l) => l.includes('ready')) && survivor.log.some((l) => l.includes('ready')), 'both VMs being ready', 60_000);
    driver.ring(local, victim.id, 0);
    await until(() => victim.counters.delivered[0] > 0, 'the victim taking its doorbell', 60_000);
    const victimId = victim.id;
    await victim.terminate();
    expect(server.peerIds).not.toContain(victimId);
    expect(server.log.at(-1)!.text).toBe(`to ${local.ivPosition}: ${victimId}`);
    expect(local.peers().map((p) => p.id)).not.toContain(victimId);
    driver.ring(local, victimId, 0);
    driver.ring(local, survivor.id, 0);
    await until(() => survivor.counters.delivered[0] > 0, 'the survivor taking its doorbell', 60_000);
    expect(survivor.counters.delivered[0]).toBe(1);
    survivor.stop();
    expect(await survivor.result).toBe(1);
    await expect(victim.result).rejects.toThrow();
    await survivor.terminate();
  }, 20_000);

  test('shutdown terminates the VMs, unplugs the devices and stops the servers', async () => {
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('echo'), arg: {} });
    host.realize('ivshmem-doorbell,chardev=srv');
    await host.shutdown();
    await expect(vm.result).rejects.toThrow('the VM was terminated');
    expect(host.devices).toEqual([]);
    expect(host.vms).toEqual([]);
    expect(server.isRunning).toBe(false);
    expect(server.peerIds).toEqual([]);
  }, 20_000);

  test('a worker that dies on its own ends its VM: result rejects, device freed, server told', async () => {
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: program('crash') });
    await expect(vm.result).rejects.toThrow(/crashed/);
    await until(() => host.devices.length === 0, 'the dead VM\'s device being freed', 60_000);
    expect(host.devices).toEqual([]);
    expect(server.peerIds).toEqual([]);
  }, 20_000);

  test('a failing program rejects its result; a bad device string fails the spawn with QEMU\'s message', async () => {
    const host = await Host.create({ memory: '32M' });
    host.addObject('memory-backend-ram,id=m,size=1M');
    const vm = await host.spawn({ device: 'ivshmem-plain,memdev=m', program: program('fails') });
    await expect(vm.result).rejects.toThrow(/guest 0 gave up/);
    await expect(vm.result).rejects.toMatchObject({ name: 'RangeError' });
    expect(vm.log, 'lines written before the error have all arrived').toEqual(['about to fail']);
    await expect(host.spawn({ device: 'ivshmem-plain,memdev=m', program: program('fails') })).rejects.toThrow("can't use already busy memdev: m");
    await vm.terminate();
    const again = await host.spawn({ device: 'ivshmem-plain,memdev=m', program: program('fails') });
    await expect(again.result).rejects.toThrow(/gave up/);
    await again.terminate();
    await expect(host.spawn({ device: 'ivshmem-doorbell,chardev=none', program: program('fails') })).rejects.toBeInstanceOf(QemuError);
  }, 20_000);
});
