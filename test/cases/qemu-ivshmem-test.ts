// A port of QEMU's tests/qtest/ivshmem-test.c, case by case, under QEMU's own names. Shared
// memory is 1 MiB throughout, as there.
import { expect } from 'chai';
import { driver, REG } from './helpers.ts';
import { barSize, type CaseGroup } from './case.ts';

const MIB = 1 << 20;

export const qemuIvshmemTest: CaseGroup = {
  group: 'QEMU tests/qtest/ivshmem-test.c',
  cases: [
    {
      name: '/ivshmem/single',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-file,id=mb1,size=1M,share=on,mem-path=/dev/shm/qtest-single');
        const dev = host.realize('ivshmem-plain,memdev=mb1');
        expect(barSize(dev, 0)).to.equal(256);
        expect(barSize(dev, 2)).to.equal(MIB);
        driver.enableDevice(dev);
        const bar0 = dev.bar(0);
        expect(bar0.read(REG.INTRMASK, 4)).to.equal(0);
        expect(bar0.read(REG.INTRSTATUS, 4)).to.equal(0);
        expect(bar0.read(REG.IVPOSITION, 4)).to.equal(0);

        bar0.write(REG.INTRMASK, 4, 0xffffffff);
        expect(bar0.read(REG.INTRMASK, 4)).to.equal(0xffffffff);
        bar0.write(REG.INTRSTATUS, 4, 1);
        expect(bar0.read(REG.INTRSTATUS, 4)).to.equal(1);
        expect(bar0.read(REG.INTRSTATUS, 4), 'reading IntrStatus clears it').to.equal(0);

        bar0.write(REG.IVPOSITION, 4, 1);
        expect(bar0.read(REG.IVPOSITION, 4), 'IVPosition is read-only').to.equal(0);
        expect(bar0.read(REG.DOORBELL, 4), 'Doorbell is write-only').to.equal(0);
        bar0.write(REG.DOORBELL, 4, 8 << 16);
        expect(dev.interrupts.delivered(0)).to.equal(0);

        const bar2 = dev.bar(2);
        const host32 = new Uint32Array(bar2.bytes!.buffer, bar2.bytes!.byteOffset, 1024);
        for (let i = 0; i < 1024; i++) bar2.write(i * 4, 4, i);
        for (let i = 0; i < 1024; i++) expect(host32[i]).to.equal(i);
        for (let i = 0; i < 1024; i++) expect(bar2.read(i * 4, 4)).to.equal(i);
      },
    },
    {
      name: '/ivshmem/hotplug',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,size=1M,id=mb1');
        const dev = host.realize('ivshmem-plain,id=iv1,memdev=mb1');
        expect(host.devices).to.include(dev);
        expect(barSize(dev, 2)).to.equal(MIB);
        host.unplug('iv1');
        expect(host.devices).to.not.include(dev);
        expect(() => dev.bar(0)).to.throw(/has been unplugged/);
        const again = host.realize('ivshmem-plain,id=iv1,memdev=mb1');
        expect(barSize(again, 2), 'the memdev is free again after unplug').to.equal(MIB);
      },
    },
    {
      name: '/ivshmem/memdev',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,size=1M,id=mb1');
        const dev = host.realize('ivshmem-plain,memdev=mb1');
        expect(barSize(dev, 0)).to.equal(256);
        expect(barSize(dev, 2)).to.equal(MIB);
      },
    },
    {
      name: '/ivshmem/pair',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-file,id=mb1,size=1M,share=on,mem-path=/dev/shm/qtest-pair');
        host.addObject('memory-backend-file,id=mb2,size=1M,share=on,mem-path=/dev/shm/qtest-pair');
        const vm1 = host.realize('ivshmem-plain,memdev=mb1');
        const vm2 = host.realize('ivshmem-plain,memdev=mb2');
        driver.enableDevice(vm1);
        driver.enableDevice(vm2);
        vm1.bar(2).bytes!.fill(0x42);
        const everywhere = (dev: typeof vm1, byte: number) => {
          const word = BigInt(byte) * 0x0101010101010101n;
          for (let off = 0; off < MIB; off += 8) {
            if (dev.bar(2).read(off, 8) !== word) return false;
          }
          return true;
        };
        const fill = (dev: typeof vm1, byte: number) => {
          const word = BigInt(byte) * 0x0101010101010101n;
          for (let off = 0; off < MIB; off += 8) dev.bar(2).write(off, 8, word);
        };
        expect(everywhere(vm1, 0x42)).to.equal(true);
        expect(everywhere(vm2, 0x42)).to.equal(true);
        fill(vm1, 0x43);
        expect(everywhere(vm2, 0x43)).to.equal(true);
        fill(vm2, 0x44);
        expect(everywhere(vm1, 0x44)).to.equal(true);
      },
    },
    {
      name: '/ivshmem/server',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', vectors: 2 });
        const vm1 = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
        const vm2 = host.realize('ivshmem-doorbell,chardev=srv,vectors=2');
        for (const vm of [vm1, vm2]) {
          driver.enableDevice(vm);
          driver.enableMsix(vm);
        }
        const id1 = vm1.bar(0).read(REG.IVPOSITION, 4);
        const id2 = vm2.bar(0).read(REG.IVPOSITION, 4);
        expect(id1).to.be.at.least(0);
        expect(id2).to.be.at.least(0);
        expect(id1).to.not.equal(id2);
        expect(driver.msixTableSize(vm1)).to.equal(2);
        expect(driver.msixTableSize(vm2)).to.equal(2);

        expect(driver.msixPending(vm1, 0)).to.equal(false);
        vm2.bar(0).write(REG.DOORBELL, 4, id1 << 16);
        expect(driver.msixPending(vm1, 0)).to.equal(true);

        expect(driver.msixPending(vm2, 1)).to.equal(false);
        vm1.bar(0).write(REG.DOORBELL, 4, (id2 << 16) | 1);
        expect(driver.msixPending(vm2, 1)).to.equal(true);
      },
    },
    {
      name: '/ivshmem/hotplug-q35',
      async run(env) {
        const host = await env.host({ machine: 'q35' });
        host.addObject('memory-backend-ram,size=1M,id=mb1');
        host.realize('pcie-root-port,id=p1');
        host.realize('pcie-pci-bridge,bus=p1,id=b1');
        const dev = host.realize('ivshmem-plain,id=iv1,memdev=mb1,bus=b1');
        expect(barSize(dev, 2)).to.equal(MIB);
        host.unplug('iv1');
        expect(host.devices).to.be.empty;
        expect(() => host.realize('ivshmem-plain,memdev=mb1,bus=nope')).to.throw("Bus 'nope' not found");
      },
    },
  ],
};
