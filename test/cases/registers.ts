// BAR0 register tables (REFERENCE section 1 and the 2014 spec), widths and offsets, decoding.
import { expect } from 'chai';
import { AccessError, type Host } from '../../src/index.ts';
import { driver, REG } from './helpers.ts';
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
      name: 'BAR0 takes 4-byte aligned accesses inside 256 bytes; others are refused and change nothing',
      async run(env) {
        const dev = await plain(await env.host());
        dev.bar(0).write(REG.INTRMASK, 4, 0x1234);
        for (const width of [1, 2, 8]) {
          expect(() => dev.bar(0).write(REG.INTRMASK, width, 0), `${width}`).to.throw(AccessError, /registers are 32-bit/);
          expect(() => dev.bar(0).read(REG.INTRMASK, width)).to.throw(AccessError, /registers are 32-bit/);
        }
        expect(() => dev.bar(0).write(2, 4, 0)).to.throw(AccessError, /not aligned/);
        expect(() => dev.bar(0).write(256, 4, 0)).to.throw(AccessError, /outside the region \(256 bytes\)/);
        expect(() => dev.bar(0).write(0, 4, 2 ** 32)).to.throw(AccessError, /does not fit/);
        expect(() => dev.bar(3)).to.throw(AccessError, /no BAR3/);
        expect(dev.bar(0).read(REG.INTRMASK, 4)).to.equal(0x1234);
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
      name: 'BAR2 memory: 1, 2, 4 and 8-byte little-endian accesses, bounds checked',
      async run(env) {
        const dev = await plain(await env.host());
        const bar2 = dev.bar(2);
        bar2.write(0, 8, 0x0102030405060708n);
        expect(bar2.read(0, 1)).to.equal(0x08);
        expect(bar2.read(0, 2)).to.equal(0x0708);
        expect(bar2.read(4, 4)).to.equal(0x01020304);
        expect(bar2.read(0, 8)).to.equal(0x0102030405060708n);
        expect(Array.from(bar2.bytes!.subarray(0, 2))).to.deep.equal([8, 7]);
        expect(() => bar2.read((1 << 20) - 4, 8)).to.throw(AccessError, /outside/);
        expect(() => bar2.write(1 << 20, 1, 0)).to.throw(AccessError, /outside/);
        expect(bar2.bytes!.length).to.equal(1 << 20);
      },
    },
  ],
};
