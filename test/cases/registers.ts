// BAR0 register tables (REFERENCE section 1 and the 2014 spec), widths and offsets, decoding.
import { expect } from 'chai';
import { AccessError, type Host } from '../../src/index.ts';
import { doorbellPair, driver, REG } from './helpers.ts';
import type { CaseGroup } from './case.ts';

async function plain(host: Host) {
  host.addObject('memory-backend-ram,id=m1,size=1M');
  const dev = host.realize('ivshmem-plain,memdev=m1');
  driver.enableDevice(dev);
  return dev;
}

export const registers: CaseGroup = {
  group: 'BAR0 registers',
  cases: [
    {
      name: 'register table: IntrMask RW 0, IntrStatus RW 0 read-clears, IVPosition RO, Doorbell WO',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', vectors: 1 });
        host.realize('ivshmem-doorbell,chardev=srv');
        const dev = host.realize('ivshmem-doorbell,chardev=srv');
        driver.enableDevice(dev);
        const bar0 = dev.bar(0);
        expect(bar0.read(REG.INTRMASK, 4)).to.equal(0);
        expect(bar0.read(REG.INTRSTATUS, 4)).to.equal(0);
        expect(bar0.read(REG.IVPOSITION, 4), 'own peer ID').to.equal(1);
        bar0.write(REG.INTRMASK, 4, 0xdeadbeef);
        expect(bar0.read(REG.INTRMASK, 4), 'reserved bits preserved').to.equal(0xdeadbeef);
        bar0.write(REG.INTRSTATUS, 4, 0x80000001);
        expect(bar0.read(REG.INTRSTATUS, 4)).to.equal(0x80000001);
        expect(bar0.read(REG.INTRSTATUS, 4)).to.equal(0);
        bar0.write(REG.IVPOSITION, 4, 7);
        expect(bar0.read(REG.IVPOSITION, 4)).to.equal(1);
        expect(bar0.read(REG.DOORBELL, 4)).to.equal(0);
      },
    },
    {
      name: 'reserved offsets 16..252 read 0 and ignore writes',
      async run(env) {
        const dev = await plain(await env.host());
        for (let off = 16; off < 256; off += 4) {
          dev.bar(0).write(off, 4, 0xffffffff);
          expect(dev.bar(0).read(off, 4), `offset ${off}`).to.equal(0);
        }
        expect(dev.bar(0).read(REG.INTRMASK, 4)).to.equal(0);
      },
    },
    {
      name: 'BAR0 narrow, unaligned and 8-byte accesses go through as QEMU\'s memory core makes them',
      async run(env) {
        const dev = await plain(await env.host());
        const bar0 = dev.bar(0);
        // ivshmem_mmio_ops implement 4-byte accesses only: a narrower access is a 4-byte handler
        // call at its own offset; reads decode the exact offset, writes the offset & 0xfc
        bar0.write(REG.INTRMASK, 4, 0xffffffff);
        expect(bar0.read(REG.INTRMASK, 1)).to.equal(0xff);
        expect(bar0.read(REG.INTRMASK, 2)).to.equal(0xffff);
        expect(bar0.read(REG.INTRMASK + 1, 1), 'offset 1 decodes no register').to.equal(0);
        expect(bar0.read(REG.INTRMASK + 2, 2)).to.equal(0);
        bar0.write(REG.INTRMASK + 1, 1, 0x78);
        expect(bar0.read(REG.INTRMASK, 4), 'a 1-byte write at +1 is IntrMask = 0x78').to.equal(0x78);
        // an unaligned 2-byte access is two 1-byte ones (memory_access_size bounds it by alignment)
        bar0.write(3, 2, 0x5678);
        expect(bar0.read(REG.INTRMASK, 4)).to.equal(0x78);
        expect(bar0.read(REG.INTRSTATUS, 4), 'the high byte went to IntrStatus').to.equal(0x56);
        // an 8-byte access is two 4-byte ones
        bar0.write(REG.INTRMASK, 8, 0x00000002_00000001n);
        expect(bar0.read(REG.INTRMASK, 4)).to.equal(1);
        bar0.write(REG.INTRSTATUS, 4, 3);
        expect(bar0.read(REG.INTRMASK, 8)).to.equal(0x00000003_00000001n);
        expect(bar0.read(REG.INTRSTATUS, 4), 'the 8-byte read cleared IntrStatus').to.equal(0);
      },
    },
    {
      name: 'a 1- or 2-byte write anywhere in the Doorbell dword rings, with the value zero-extended',
      async run(env) {
        const host = await env.host();
        const { a, b } = doorbellPair(host, 2);
        driver.enableMsix(a);
        driver.unmaskVector(a, 0);
        driver.unmaskVector(a, 1);
        expect(a.ivPosition, 'a is peer 0').to.equal(0);
        b.bar(0).write(REG.DOORBELL + 1, 1, 0x01);
        expect(a.interrupts.delivered(1), '+1: val 1 = peer 0 vector 1').to.equal(1);
        b.bar(0).write(REG.DOORBELL + 2, 2, 0x0000);
        expect(a.interrupts.delivered(0), '+2: val 0 = peer 0 vector 0').to.equal(1);
        b.bar(0).write(REG.DOORBELL + 3, 1, 0x01);
        expect(a.interrupts.delivered(1)).to.equal(2);
      },
    },
    {
      name: 'BAR0 accesses QEMU cannot make are refused and change nothing',
      async run(env) {
        const dev = await plain(await env.host());
        dev.bar(0).write(REG.INTRMASK, 4, 0x1234);
        expect(() => dev.bar(0).write(0, 3, 0)).to.throw(AccessError, /3-byte access refused/);
        expect(() => dev.bar(0).write(256, 4, 0)).to.throw(AccessError, /outside the region \(256 bytes\)/);
        expect(() => dev.bar(0).read(253, 4)).to.throw(AccessError, /outside the region/);
        expect(() => dev.bar(0).write(0, 4, 2 ** 32)).to.throw(AccessError, /does not fit/);
        expect(() => dev.bar(0).write(0, 1, 0x100)).to.throw(AccessError, /does not fit/);
        expect(() => dev.bar(3)).to.throw(AccessError, /no BAR3/);
        expect(dev.bar(0).read(REG.INTRMASK, 4)).to.equal(0x1234);
      },
    },
    {
      name: 'BAR1 (MSI-X): 1- and 2-byte accesses read 0 and are dropped, 8-byte ones are two 4-byte ones',
      async run(env) {
        const host = await env.host();
        const { a } = doorbellPair(host, 2);
        const bar1 = a.bar(1);
        // msix_table_mmio_ops: valid 4..8 bytes; anything narrower is not decoded
        expect(bar1.read(12, 4), 'entries start masked').to.equal(1);
        expect(bar1.read(12, 1)).to.equal(0);
        expect(bar1.read(12, 2)).to.equal(0);
        bar1.write(12, 1, 0);
        bar1.write(12, 2, 0);
        expect(bar1.read(12, 4), 'still masked').to.equal(1);
        expect(bar1.read(13, 4), 'unaligned: cut into 1-, 2- and 1-byte pieces').to.equal(0);
        bar1.write(0, 8, 0x00000000_fee00000n);
        expect(bar1.read(0, 4)).to.equal(0xfee00000);
        expect(bar1.read(8, 8)).to.equal(0x00000001_00000000n);
      },
    },
    {
      name: 'BARs are not decoded while Memory Space Enable is clear',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,id=m1,size=1M');
        const dev = host.realize('ivshmem-plain,memdev=m1');
        expect(() => dev.bar(0).read(0, 4)).to.throw(AccessError, /not decoded: Memory Space Enable/);
        expect(() => dev.bar(2).write(0, 1, 1)).to.throw(AccessError, /not decoded/);
        expect(dev.bar(2).bytes![0], 'nothing written').to.equal(0);
        dev.config.write(0x04, 2, 0x2);
        expect(dev.bar(0).read(0, 4)).to.equal(0);
      },
    },
    {
      name: 'BAR2 memory: 1, 2, 4 and 8-byte little-endian accesses at any offset, bounds checked',
      async run(env) {
        const dev = await plain(await env.host());
        const bar2 = dev.bar(2);
        bar2.write(0, 8, 0x0102030405060708n);
        expect(bar2.read(0, 1)).to.equal(0x08);
        expect(bar2.read(0, 2)).to.equal(0x0708);
        expect(bar2.read(4, 4)).to.equal(0x01020304);
        expect(bar2.read(0, 8)).to.equal(0x0102030405060708n);
        expect(Array.from(bar2.bytes!.subarray(0, 2))).to.deep.equal([8, 7]);
        // RAM: QEMU copies unaligned accesses as they are
        bar2.write(3, 4, 0xa1b2c3d4);
        expect(bar2.read(3, 4)).to.equal(0xa1b2c3d4);
        expect(bar2.read(0, 8)).to.equal(0x01a1b2c3_d4060708n);
        expect(() => bar2.read((1 << 20) - 4, 8)).to.throw(AccessError, /outside/);
        expect(() => bar2.write(1 << 20, 1, 0)).to.throw(AccessError, /outside/);
        expect(bar2.bytes!.length).to.equal(1 << 20);
      },
    },
  ],
};
