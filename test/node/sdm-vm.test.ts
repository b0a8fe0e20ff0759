// virtio-sdm devices in worker VMs on the local channel: a master boots slaves that were spawned
// waiting for SDM_BOOT, then they exchange IRQs with payloads; a host-side master drives VMs.
import { describe, expect, test } from 'vitest';
import { QemuError } from '../../src/index.ts';
import { until } from '../cases/helpers.ts';
import { SDM_IRQ, driverOf, sdmHost } from './sdm-fixture.ts';

const program = (name: string) => new URL(`../programs/${name}.ts`, import.meta.url).href;

describe('virtio-sdm in VM workers (local channel)', () => {
  test('a master VM boots three slave VMs and exchanges 50 rounds of IRQs with payloads', async () => {
    const host = await sdmHost('64M');
    const master = await host.spawn({ device: 'virtio-sdm,id=m,master=on,max_slaves=4', program: program('sdm-master'), arg: { slaves: 3, rounds: 50 } });
    const slaves = [];
    for (let i = 0; i < 3; i++) {
      slaves.push(await host.spawn({ device: `virtio-sdm,id=s${i + 1},chardev=m`, program: program('sdm-slave'), arg: { rounds: 50 }, boot: 'sdm' }));
    }
    const result = await master.result as { replies: number; wrong: unknown[]; timedOut: boolean };
    expect(result).toEqual({ replies: 150, wrong: [], timedOut: false });
    const answers = await Promise.all(slaves.map((s) => s.result)) as { id: number; answered: number; boot: number[]; unexpected: unknown[] }[];
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2, 3]);
    for (const a of answers) expect(a).toEqual({ id: a.id, answered: 50, boot: [0x1000 * a.id, a.id], unexpected: [] });
    expect(master.device.sdm!.counters).toMatchObject({ sent: 153, received: 150, dropped: 0 });
    await host.shutdown();
    expect(host.devices).toEqual([]);
  }, 120_000);

  test('replies racing each other into the master (three slaves answering at once, 400 rounds): none is lost', async () => {
    const host = await sdmHost('64M');
    const master = await host.spawn({ device: 'virtio-sdm,id=m,master=on,max_slaves=4', program: program('sdm-master'), arg: { slaves: 3, rounds: 400, timeoutMs: 20_000 } });
    const slaves = [];
    for (let i = 0; i < 3; i++) {
      slaves.push(await host.spawn({ device: `virtio-sdm,id=s${i + 1},chardev=m`, program: program('sdm-slave'), arg: { rounds: 400 }, boot: 'sdm' }));
    }
    expect(await master.result).toEqual({ replies: 1200, wrong: [], timedOut: false });
    await host.shutdown();
  }, 120_000);

  test('a VM spawned with boot: "sdm" does not run until booted; the host-side master boots it and they talk', async () => {
    const host = await sdmHost();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=2');
    const m = driverOf(host, master);
    m.setup();
    const vm = await host.spawn({ device: 'virtio-sdm,id=s,chardev=m', program: program('sdm-slave'), arg: { rounds: 3 }, boot: 'sdm' });
    expect(vm.device.sdm!.id).toBe(1);
    expect(master.sdm!.currentSlaves).toBe(1);
    // Not booted: its program has not started (nothing logged), however long we look. A negative
    // check needs a window; load can only make it weaker, never make it fail.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(vm.log).toEqual([]);
    expect(vm.device.sdm!.booted).toBe(false);
    m.irq(1, [10, 0]); // waits in the device until the slave's driver is up
    m.boot(1, [0xc0de, 7]);
    await until(() => vm.log.length > 0, 'the slave booting', 60_000);
    expect(vm.log[0]).toBe('slave 1 booted with 49374,7');
    const replies = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) m.irq(1, [10 * (i + 1), 0]);
      let reply;
      await until(() => (reply = m.poll()) !== undefined, 'a reply', 60_000);
      replies.push(reply);
    }
    expect(replies).toEqual([11, 21, 31].map((p) => ({ type: SDM_IRQ, slave: 1, payload: [p, 1] })));
    expect(await vm.result).toMatchObject({ answered: 3, boot: [0xc0de, 7], unexpected: [] });
    await vm.terminate();
    expect(master.sdm!.currentSlaves).toBe(0);
  }, 90_000);

  test('a VM that ends leaves its group; a full group refuses a VM with the same error as realize', async () => {
    const host = await sdmHost();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=1');
    const vm = await host.spawn({ device: 'virtio-sdm,id=s,chardev=m', program: program('sdm-slave'), arg: { rounds: 0 } });
    expect(master.sdm!.currentSlaves).toBe(1);
    await expect(host.spawn({ device: 'virtio-sdm,id=t,chardev=m' })).rejects.toThrow(new QemuError("virtio-sdm: master 'm' is full: max_slaves is 1 and 1 slaves are connected"));
    expect(host.devices.length).toBe(2);
    await vm.terminate();
    expect(master.sdm!.currentSlaves).toBe(0);
    const again = await host.spawn({ device: 'virtio-sdm,id=t,chardev=m' });
    expect(again.device.sdm!.id).toBe(1);
    host.addObject('memory-backend-ram,id=x,size=1M,share=on');
    await expect(host.spawn({ device: 'ivshmem-plain,memdev=x', boot: 'sdm' })).rejects.toThrow(new QemuError("boot: 'sdm' is only for a virtio-sdm device, as boot: 'sdm'"));
    await host.shutdown();
  }, 60_000);
});
