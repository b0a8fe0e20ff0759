// Each VM is its own machine: the only limits left are the server's and memory's. 256 VMs on one
// server (where one shared PCI bus used to stop at 28), every one of them reached by a broadcast.
import { describe, expect, test } from 'vitest';
import { Host, QemuError, type Vm } from '../../src/index.ts';
import { until } from '../cases/helpers.ts';

const program = (name: string) => new URL(`../programs/${name}.ts`, import.meta.url).href;

/** What a 2-core machine under a load of 20 needs to start 256 workers, and more. */
const BUDGET = 900_000;

describe('each VM is its own machine', () => {
  test('256 VMs on one server; a broadcast (int all) reaches every one, counted', async () => {
    const host = await Host.create({ memory: '96M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const count = 256;
    const vms: Vm[] = [];
    // A few at a time: each starts a worker, which a 2-core machine does one by one anyway.
    for (let i = 0; i < count; i += 8) {
      vms.push(...await Promise.all(Array.from({ length: Math.min(8, count - i) }, () =>
        // Each waits as long as the test may run: starting 256 workers took 223 s at a load of 20.
        host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: new URL('../programs/wait-once.mjs', import.meta.url).href, arg: { timeoutMs: BUDGET } }))));
    }
    expect(server.peerIds).toHaveLength(count);
    expect(new Set(vms.map((vm) => vm.id)).size).toBe(count);
    expect(vms.every((vm) => vm.address.address === '04.0' && vm.machine === 'pc'), 'each on its own bus, where a fresh QEMU puts it').toBe(true);
    await until(() => vms.every((vm) => vm.log.includes('ready')), 'every VM bringing its device up', BUDGET);
    const client = host.connectClient('srv');
    expect(client.peers.size, 'the client knows every VM and itself').toBe(count + 1);
    client.command('int all');
    const results = await Promise.all(vms.map((vm) => vm.result));
    expect(results.filter((vector) => vector === 0), 'VMs that took the broadcast').toHaveLength(count);
    expect(vms.map((vm) => vm.counters.delivered[0])).toEqual(vms.map(() => 1));
    await host.shutdown();
  }, BUDGET);

  test('a VM takes the slot a fresh QEMU gives it, or the addr= it asks for, on its own bus', async () => {
    const host = await Host.create({ memory: '16M' });
    host.addObject('memory-backend-ram,id=m1,size=64K');
    host.addObject('memory-backend-ram,id=m2,size=64K');
    const pc = await host.spawn({ device: 'ivshmem-plain,memdev=m1,id=dev' });
    const q35 = await host.spawn({ device: 'ivshmem-plain,memdev=m2,id=dev,addr=5', machine: 'q35' });
    expect(pc.address).toEqual({ bus: 'pci.0', address: '04.0' });
    expect(q35.address).toEqual({ bus: 'pcie.0', address: '05.0' });
    host.addObject('memory-backend-ram,id=m3,size=64K');
    await expect(host.spawn({ device: 'ivshmem-plain,memdev=m3,addr=2' })).rejects.toThrow('PCI: slot 2 function 0 not available for ivshmem-plain, in use by VGA');
    await expect(host.spawn({ device: 'ivshmem-plain,memdev=m3', machine: 'isapc' as never })).rejects.toThrow(QemuError);
    await host.shutdown();
  }, 60_000);

  test('where a limit remains it is refused at realize: a server with as many peers as a device can track', async () => {
    const host = await Host.create({ memory: '16M', maxPeers: 3 });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const devices = [0, 1, 2].map(() => host.realize('ivshmem-doorbell,chardev=srv'));
    expect(() => host.realize('ivshmem-doorbell,chardev=srv')).toThrow("server 'srv' has 3 peers, as many as a device here can track");
    await expect(host.spawn({ device: 'ivshmem-doorbell,chardev=srv' })).rejects.toThrow(QemuError);
    expect(server.peerIds).toEqual([0, 1, 2]);
    expect(devices.map((d) => d.peers().length)).toEqual([3, 3, 3]);
    expect(devices.flatMap((d) => d.internals.client!.errors), 'no device is deaf to another').toEqual([]);
    await expect(Host.create({ maxPeers: 0 })).rejects.toThrow(QemuError);
  }, 30_000);
});
