// Migration as QEMU does it for ivshmem: only a master saves its state (and its shared memory);
// the destination is a fresh device of the same configuration; peers refuse.
import { expect } from 'chai';
import { QemuError } from '../../src/index.ts';
import { driver, REG } from './helpers.ts';
import type { CaseGroup } from './case.ts';

export const migration: CaseGroup = {
  group: 'migration',
  cases: [
    {
      name: 'a master=on doorbell migrates config, MSI-X table and PBA, registers and memory',
      async run(env) {
        const src = await env.host();
        src.addServer({ id: 'srv', size: '1M', vectors: 2 });
        const dev = src.realize('ivshmem-doorbell,chardev=srv,vectors=2,master=on');
        const other = src.realize('ivshmem-doorbell,chardev=srv,vectors=2');
        driver.enableDevice(dev);
        driver.enableDevice(other);
        driver.enableMsix(dev);
        dev.bar(1).write(16, 4, 0xfee01000);
        driver.ring(other, 0, 1);
        dev.bar(0).write(REG.INTRMASK, 4, 0xabc);
        dev.bar(2).write(4096, 4, 0x12345678);
        const state = dev.save();

        const dst = await env.host();
        dst.addServer({ id: 'srv', size: '1M', vectors: 2 });
        const target = dst.realize('ivshmem-doorbell,chardev=srv,vectors=2,master=on');
        target.load(state);
        expect(target.config.read(0x04, 2)).to.equal(dev.config.read(0x04, 2));
        expect(target.config.read(0x42, 2)).to.equal(0x8001);
        expect(target.bar(1).read(16, 4)).to.equal(0xfee01000);
        expect(driver.msixPending(target, 1)).to.equal(true);
        expect(target.bar(0).read(REG.INTRMASK, 4)).to.equal(0xabc);
        expect(target.bar(2).read(4096, 4)).to.equal(0x12345678);
      },
    },
    {
      name: 'master=off blocks migration, and a peer refuses to load',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,id=m1,size=1M');
        host.addObject('memory-backend-ram,id=m2,size=1M');
        const peer = host.realize('ivshmem-plain,memdev=m1');
        const master = host.realize('ivshmem-plain,memdev=m2,master=on');
        expect(() => peer.save()).to.throw(QemuError, "Migration is disabled when using feature 'peer mode' in device 'ivshmem'");
        expect(() => peer.load(master.save())).to.throw(QemuError, "'peer' devices are not migratable");
      },
    },
    {
      name: 'a state for another configuration, or a damaged one, is refused and changes nothing',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,id=m1,size=1M');
        host.addObject('memory-backend-ram,id=m2,size=2M');
        const a = host.realize('ivshmem-plain,memdev=m1,master=on');
        const b = host.realize('ivshmem-plain,memdev=m2,master=on');
        driver.enableDevice(b);
        b.bar(2).write(0, 4, 77);
        const state = a.save();
        expect(() => b.load(state)).to.throw(QemuError, /carries 1048576 bytes of shared memory, the device maps 2097152/);
        const own = b.save();
        expect(() => b.load(own.subarray(0, own.length - 1))).to.throw(QemuError, 'ivshmem: migration state is truncated');
        expect(() => b.load(new Uint8Array(64))).to.throw(QemuError, /not an ivshmem migration state/);
        expect(b.bar(2).read(0, 4)).to.equal(77);
        expect(b.config.read(0x04, 2)).to.equal(0x7);
      },
    },
    {
      name: 'a stream whose read-only config bytes differ fails as QEMU\'s does, with the offset, and changes nothing',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,id=m1,size=1M');
        host.addObject('memory-backend-ram,id=m2,size=1M');
        const a = host.realize('ivshmem-plain,memdev=m1,master=on');
        const b = host.realize('ivshmem-plain,memdev=m2,master=on');
        a.config.write(0x50, 4, 0x12345678);
        const state = a.save();
        const config = 32; // where the stream carries config space (src/models/ivshmem-common/vmstate.ts)
        const tampered = state.slice();
        tampered[config + 0x08] = 0; // revision 1 -> 0: checked (pci_init_cmask) and read-only
        expect(() => b.load(tampered)).to.throw(QemuError,
          'get_pci_config_device: Bad config data: i=0x8 read: 0 device: 1 cmask: ff wmask: 0 w1cmask:0');
        expect(b.config.read(0x50, 4), 'nothing loaded').to.equal(0);
        const status = state.slice();
        status[config + 0x06] |= 0x10; // Capabilities List on a device without capabilities
        expect(() => b.load(status)).to.throw(QemuError, 'Bad config data: i=0x6 read: 10 device: 0 cmask: 10 wmask: 0 w1cmask:0');
        b.load(state);
        expect(b.config.read(0x50, 4), 'device-specific bytes are writable, so they load').to.equal(0x12345678);
      },
    },
    {
      name: 'virtio-sdm cannot migrate: save() and load() refuse on a master and a slave, with QEMU\'s words, and change nothing',
      async run(env) {
        const host = await env.host();
        const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=2');
        const slave = host.realize('virtio-sdm,id=s,chardev=m');
        host.addObject('memory-backend-ram,id=m1,size=1M');
        const state = host.realize('ivshmem-plain,memdev=m1,master=on').save();
        // Its group spans other devices (README "Where it differs"), so its vmstate is .unmigratable
        // and QEMU refuses to save while it is plugged (qemu_savevm_state_blocked).
        const blocked = "State blocked by non-migratable device 'virtio-sdm'";
        for (const device of [master, slave]) {
          const before = { config: device.sdm!.maxSlaves, current: device.sdm!.currentSlaves, id: device.sdm!.id, status: device.sdm!.status };
          expect(() => device.save()).to.throw(QemuError, blocked);
          expect(() => device.load(state)).to.throw(QemuError, blocked);
          expect(() => device.load(new Uint8Array(64))).to.throw(QemuError, blocked);
          expect({ config: device.sdm!.maxSlaves, current: device.sdm!.currentSlaves, id: device.sdm!.id, status: device.sdm!.status }).to.deep.equal(before);
        }
        expect(slave.sdm!.id).to.equal(1);
        expect(master.sdm!.currentSlaves).to.equal(1);
      },
    },
  ],
};
