// The legacy `ivshmem` device (revision 0) as QEMU 2.6 to 3.1 have it (removed in 4.0): shm= or
// chardev=, role, INTx with msi=off, the server's setup taken in realize, `size=` bytes mapped.
import { expect } from 'chai';
import { AccessError, QemuError, type Host } from '../../src/index.ts';
import { driver, REG } from './helpers.ts';
import type { CaseGroup } from './case.ts';
import { machineOf } from '../../src/host.ts';

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
        expect(machineOf(host).files.get('/dev/shm/legacy')!.size).to.equal(1 << 20);
        // shm= is a memory-backend-file of size= on /dev/shm/NAME: a smaller existing one is refused
        expect(() => host.realize('ivshmem,shm=legacy,size=2M'))
          .to.throw(QemuError, "backing store /dev/shm/legacy size 0x100000 does not match 'size' option 0x200000");
        expect(host.realize('ivshmem,shm=legacy,size=512K').bar(2).size, 'a larger object: its first size= bytes').to.equal(512 << 10);
        expect(host.realize('ivshmem,shm=other').bar(2).size, 'size defaults to 4M').to.equal(4 << 20);
      },
    },
    {
      name: 'with a server, the setup happens in realize (QEMU >= 2.6): the ID at once, size= bytes of the server\'s memory',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '4M' });
        host.realize('ivshmem,chardev=srv,size=1M');
        const dev = host.realize('ivshmem,chardev=srv,size=1M');
        driver.enableDevice(dev);
        expect(dev.bar(0).read(REG.IVPOSITION, 4), 'no -1 window').to.equal(1);
        expect(dev.bar(2).size).to.equal(1 << 20);
        dev.bar(2).write(0x100, 4, 0xcafe);
        expect(new DataView(machineOf(host).memory.buffer, server.file.region.offset).getUint32(0x100, true)).to.equal(0xcafe);
        expect(() => dev.bar(2).read(1 << 20, 4), 'past size=').to.throw(AccessError);
      },
    },
    {
      name: 'a size above the server\'s memory fails realize (the 4M default against a 1M server), and nothing changes',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M' });
        const before = host.resources();
        const log = server.log.length;
        expect(() => host.realize('ivshmem,chardev=srv')).to.throw(QemuError, 'server sent only 1048576 bytes of shared memory');
        // asked before connecting: the server never saw it, the host holds exactly what it held
        expect(server.log.length, 'the server saw nothing').to.equal(log);
        expect(host.resources()).to.deep.equal(before);
        expect(host.realize('ivshmem,chardev=srv,size=1M').ivPosition, 'the refused one took no ID').to.equal(0);
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
