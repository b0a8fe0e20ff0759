// The legacy `ivshmem` device (revision 0, QEMU before 4.0): shm= or chardev=, INTx with msi=off,
// IVPosition -1 until the server has delivered the memory (before QEMU 2.6), the size checks.
import { expect } from 'chai';
import { AccessError, QemuError, type Host } from '../../src/index.ts';
import { driver, REG } from './helpers.ts';
import type { CaseGroup } from './case.ts';

async function intxPair(host: Host, vectors = 1) {
  host.addServer({ id: 'srv', size: '1M', vectors });
  const a = host.realize(`ivshmem,chardev=srv,msi=off,size=1M,vectors=${vectors}`);
  const b = host.realize(`ivshmem,chardev=srv,msi=off,size=1M,vectors=${vectors}`);
  await Promise.all([a.ready, b.ready]);
  driver.enableDevice(a);
  driver.enableDevice(b);
  return { a, b };
}

export const legacy: CaseGroup = {
  group: 'legacy ivshmem (revision 0)',
  cases: [
    {
      name: 'shm=NAME maps /dev/shm/NAME; two devices on one name share it',
      async run(env) {
        const host = await env.host();
        const a = host.realize('ivshmem,shm=legacy,size=1M');
        const b = host.realize('ivshmem,shm=legacy,size=1M');
        driver.enableDevice(a);
        driver.enableDevice(b);
        a.bar(2).write(64, 4, 0x11223344);
        expect(b.bar(2).read(64, 4)).to.equal(0x11223344);
        expect(a.bar(0).read(REG.IVPOSITION, 4)).to.equal(0);
        expect(host.files.get('/dev/shm/legacy')!.size).to.equal(1 << 20);
        expect(() => host.realize('ivshmem,shm=legacy,size=2M'))
          .to.throw(QemuError, 'Requested memory size greater than shared object size (2097152 > 1048576)');
        expect(host.realize('ivshmem,shm=other').bar(2).size, 'size defaults to 4M').to.equal(4 << 20);
      },
    },
    {
      name: 'before QEMU 2.6: IVPosition reads -1 and BAR2 is unbacked until the server delivers the memory',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M' });
        host.realize('ivshmem,chardev=srv,size=1M');
        const dev = host.realize('ivshmem,chardev=srv,size=1M');
        driver.enableDevice(dev);
        expect(dev.bar(0).read(REG.IVPOSITION, 4)).to.equal(0xffffffff);
        expect(dev.ivPosition).to.equal(-1);
        expect(() => dev.bar(2).read(0, 4)).to.throw(AccessError, /not backed yet/);
        expect(dev.bar(2).bytes).to.equal(undefined);
        await dev.ready;
        expect(dev.bar(0).read(REG.IVPOSITION, 4)).to.equal(1);
        expect(dev.bar(2).read(0, 4)).to.equal(0);
      },
    },
    {
      name: 'unplugged before the memory arrived: ready rejects, the server hears the disconnect',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M' });
        const dev = host.realize('ivshmem,chardev=srv,size=1M');
        dev.unrealize();
        let error: unknown;
        await dev.ready.catch((e) => { error = e; });
        expect(String(error)).to.match(/unplugged/);
        expect(server.peerIds).to.deep.equal([]);
      },
    },
    {
      name: 'a size above the server\'s memory fails the setup (the 4M default against a 1M server)',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M' });
        const dev = host.realize('ivshmem,chardev=srv');
        let error: unknown;
        await dev.ready.catch((e) => { error = e; });
        expect(error).to.be.instanceOf(QemuError);
        expect((error as Error).message).to.equal('Requested memory size greater than shared object size (4194304 > 1048576)');
        expect(dev.client!.errors).to.have.length(1);
        expect(dev.ivPosition).to.equal(-1);
      },
    },
    {
      name: 'msi=off: a doorbell sets IntrStatus to 1; INTx follows Status & Mask; reading Status lowers it',
      async run(env) {
        const { a, b } = await intxPair(await env.host());
        expect(a.config.read(0x3d, 1)).to.equal(1);
        b.bar(0).write(REG.DOORBELL, 4, (a.ivPosition << 16) | 0);
        expect(a.interrupts.intx, 'masked: IntrMask is 0').to.equal(false);
        expect(a.config.read(0x06, 2) & 0x8).to.equal(0);
        a.bar(0).write(REG.INTRMASK, 4, 1);
        expect(a.interrupts.intx).to.equal(true);
        expect(a.config.read(0x06, 2) & 0x8, 'PCI Status.Interrupt follows the line').to.equal(0x8);
        expect(a.interrupts.take(), 'level-triggered: taken while asserted').to.equal(0);
        expect(a.interrupts.take()).to.equal(0);
        a.config.write(0x04, 2, a.config.read(0x04, 2) | 0x400);
        expect(a.interrupts.intx, 'Command.INTx Disable gates it').to.equal(false);
        a.config.write(0x04, 2, a.config.read(0x04, 2) & ~0x400);
        expect(a.bar(0).read(REG.INTRSTATUS, 4)).to.equal(1);
        expect(a.interrupts.intx).to.equal(false);
        expect(a.interrupts.take()).to.equal(-1);
        expect(a.interrupts.delivered(0)).to.equal(1);
      },
    },
    {
      name: 'msi=off: the vector number is lost; IntrStatus is 1 whatever was rung',
      async run(env) {
        const { a, b } = await intxPair(await env.host(), 2);
        b.bar(0).write(REG.DOORBELL, 4, (a.ivPosition << 16) | 1);
        expect(a.bar(0).read(REG.INTRSTATUS, 4)).to.equal(1);
      },
    },
    {
      name: 'msi=on with a server: MSI-X, and interrupt pin 1 all the same (QEMU\'s "backwards compatible lie")',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M' });
        const a = host.realize('ivshmem,chardev=srv,size=1M');
        const b = host.realize('ivshmem,chardev=srv,size=1M');
        await Promise.all([a.ready, b.ready]);
        expect(a.config.read(0x3d, 1)).to.equal(1);
        driver.bringUpDoorbell(a);
        driver.enableDevice(b);
        driver.ring(b, a.ivPosition, 0);
        expect(a.interrupts.delivered(0)).to.equal(1);
        expect(a.interrupts.intx).to.equal(false);
      },
    },
    {
      name: 'role: master is migratable; peer, and auto with ID > 0, are not',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M' });
        const first = host.realize('ivshmem,chardev=srv,size=1M');
        const second = host.realize('ivshmem,chardev=srv,size=1M');
        const peer = host.realize('ivshmem,shm=p,size=1M,role=peer');
        await Promise.all([first.ready, second.ready]);
        expect(first.save()).to.be.instanceOf(Uint8Array);
        expect(() => second.save()).to.throw(QemuError, "Migration is disabled when using feature 'peer mode' in device 'ivshmem'");
        expect(() => peer.save()).to.throw(QemuError, /peer mode/);
        expect(() => host.realize('ivshmem,chardev=srv,size=1M,role=master')).to.throw(QemuError, 'master must connect to the server before any peers');
      },
    },
  ],
};
