// The first ivshmem (Cam Macdonell's 2010 spec): `-ivshmem <size in MB>,[unix:]name`, five 16-bit
// registers with IVLiveList, the doorbell's 8-bit destination and 8-bit value, 255 = broadcast,
// BAR1 = the shared memory.
import { expect } from 'chai';
import { AccessError, QemuError, type Host } from '../../src/index.ts';
import { driver, REG2010 } from './helpers.ts';
import type { CaseGroup } from './case.ts';

async function guests(host: Host, n: number) {
  host.addServer({ id: 'srv', socket: '/tmp/ivshmem2010', size: '1M', vectors: 1 });
  const devices = [];
  for (let i = 0; i < n; i++) devices.push(host.realize('-ivshmem 1,unix:/tmp/ivshmem2010'));
  await Promise.all(devices.map((d) => d.ready));
  for (const d of devices) {
    driver.enableDevice(d);
    d.bar(0).write(REG2010.INTRMASK, 2, 0xffff);
  }
  return devices;
}

export const model2010: CaseGroup = {
  group: 'ivshmem-2010 (the first spec)',
  cases: [
    {
      name: 'with a server: IVPosition reads -1 and BAR1 is unbacked until the server has delivered the memory',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', socket: '/tmp/ivshmem2010', size: '1M', vectors: 1 });
        host.realize('-ivshmem 1,unix:/tmp/ivshmem2010');
        const dev = host.realize('-ivshmem 1,unix:/tmp/ivshmem2010');
        driver.enableDevice(dev);
        expect(dev.bar(0).read(REG2010.IVPOSITION, 2)).to.equal(0xffff);
        expect(dev.ivPosition).to.equal(-1);
        expect(() => dev.bar(1).read(0, 4)).to.throw(AccessError, /not backed yet/);
        await dev.ready;
        expect(dev.bar(0).read(REG2010.IVPOSITION, 2)).to.equal(1);
        expect(dev.bar(1).read(0, 4)).to.equal(0);
      },
    },
    {
      name: 'unplugged before the memory arrived: ready rejects, the server hears the disconnect',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', socket: '/tmp/ivshmem2010', size: '1M', vectors: 1 });
        const dev = host.realize('-ivshmem 1,unix:/tmp/ivshmem2010');
        dev.unrealize();
        let error: unknown;
        await dev.ready.catch((e) => { error = e; });
        expect(String(error)).to.match(/unplugged/);
        expect(server.peerIds).to.deep.equal([]);
      },
    },
    {
      name: 'a name without unix: maps a shared object; BAR1 is the memory; no server, IVPosition 0',
      async run(env) {
        const host = await env.host();
        const a = host.realize('-ivshmem 2,guestshm');
        const b = host.realize('ivshmem-2010,size=2,name=guestshm');
        driver.enableDevice(a);
        driver.enableDevice(b);
        expect(a.bar(1).size).to.equal(2 << 20);
        a.bar(1).write(10, 2, 0xbeef);
        expect(b.bar(1).read(10, 2)).to.equal(0xbeef);
        expect(a.bar(0).read(REG2010.IVPOSITION, 2)).to.equal(0);
      },
    },
    {
      name: 'registers are 16-bit: 32-bit accesses are refused',
      async run(env) {
        const [a] = await guests(await env.host(), 1);
        expect(() => a.bar(0).read(0, 4)).to.throw(AccessError, /registers are 16-bit/);
        expect(a.bar(0).read(REG2010.INTRMASK, 2)).to.equal(0xffff);
        expect(a.bar(0).read(10, 2), 'reserved').to.equal(0);
      },
    },
    {
      name: 'IVLiveList has a bit per live guest, and follows departures',
      async run(env) {
        const [a, b, c] = await guests(await env.host(), 3);
        expect(a.bar(0).read(REG2010.IVLIVELIST, 2)).to.equal(0b111);
        expect([a, b, c].map((d) => d.bar(0).read(REG2010.IVPOSITION, 2))).to.deep.equal([0, 1, 2]);
        b.unrealize();
        expect(a.bar(0).read(REG2010.IVLIVELIST, 2)).to.equal(0b101);
      },
    },
    {
      name: 'the doorbell carries an 8-bit value into the destination\'s IntrStatus',
      async run(env) {
        const [a, b] = await guests(await env.host(), 2);
        a.bar(0).write(REG2010.DOORBELL, 2, (1 << 8) | 0x5a);
        expect(b.interrupts.intx).to.equal(true);
        expect(b.bar(0).read(REG2010.INTRSTATUS, 2)).to.equal(0x5a);
        expect(b.interrupts.intx).to.equal(false);
        expect(a.bar(0).read(REG2010.INTRSTATUS, 2)).to.equal(0);
      },
    },
    {
      name: 'destination 255 broadcasts to every other guest, not to the sender',
      async run(env) {
        const [a, b, c] = await guests(await env.host(), 3);
        a.bar(0).write(REG2010.DOORBELL, 2, (255 << 8) | 7);
        expect(b.bar(0).read(REG2010.INTRSTATUS, 2)).to.equal(7);
        expect(c.bar(0).read(REG2010.INTRSTATUS, 2)).to.equal(7);
        expect(a.bar(0).read(REG2010.INTRSTATUS, 2)).to.equal(0);
      },
    },
    {
      name: 'size must be a power of two in MB; an unknown socket is refused',
      async run(env) {
        const host = await env.host();
        expect(() => host.realize('-ivshmem 3,x')).to.throw(QemuError, 'ivshmem: size must be power of 2');
        expect(() => host.realize('-ivshmem 1M,x')).to.throw(QemuError, 'qemu: invalid ram size: 1M');
        expect(() => host.realize('-ivshmem 1,unix:/nowhere')).to.throw(QemuError, "Failed to connect to '/nowhere': No such file or directory");
        expect(host.devices).to.be.empty;
      },
    },
  ],
};
