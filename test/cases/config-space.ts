// PCI configuration space of every model: identity, BAR types and sizes, the write masks, the
// MSI-X capability, and bad config accesses.
import { expect } from 'chai';
import { AccessError, type Host } from '../../src/index.ts';
import { barSize, type CaseGroup } from './case.ts';

async function fourModels(host: Host) {
  host.addObject('memory-backend-ram,id=m1,size=1M');
  host.addServer({ id: 'srv', size: '1M', vectors: 2 });
  return {
    plain: host.realize('ivshmem-plain,memdev=m1'),
    doorbell: host.realize('ivshmem-doorbell,chardev=srv,vectors=2'),
    legacy: host.realize('ivshmem,shm=legacy,size=1M'),
    legacyIntx: host.realize('ivshmem,chardev=srv,msi=off,size=1M'),
    legacyMsi: host.realize('ivshmem,chardev=srv,size=1M'),
    y2010: host.realize('-ivshmem 1,first-spec'),
  };
}

export const configSpace: CaseGroup = {
  group: 'PCI config space',
  cases: [
    {
      name: 'identity: vendor 1af4, device 1110, class 0x0500, subsystem 1af4:1100, header type 0',
      async run(env) {
        const devices = await fourModels(await env.host());
        for (const dev of Object.values(devices)) {
          expect(dev.config.read(0x00, 2), dev.model).to.equal(0x1af4);
          expect(dev.config.read(0x02, 2)).to.equal(0x1110);
          expect(dev.config.read(0x00, 4)).to.equal(0x11101af4);
          expect(dev.config.read(0x09, 1), 'prog-if').to.equal(0);
          expect(dev.config.read(0x0a, 2), 'class code').to.equal(0x0500);
          expect(dev.config.read(0x0e, 1), 'header type').to.equal(0);
          expect(dev.config.read(0x2c, 2)).to.equal(0x1af4);
          expect(dev.config.read(0x2e, 2)).to.equal(0x1100);
        }
      },
    },
    {
      name: 'revision 1 for ivshmem-plain/doorbell, 0 for ivshmem and the 2010 device; interrupt pin 0 / 1',
      async run(env) {
        const d = await fourModels(await env.host());
        const expected: [typeof d.plain, number, number][] = [
          [d.plain, 1, 0], [d.doorbell, 1, 0], [d.legacy, 0, 1], [d.legacyIntx, 0, 1], [d.legacyMsi, 0, 1], [d.y2010, 0, 1],
        ];
        for (const [dev, revision, pin] of expected) {
          expect(dev.config.read(0x08, 1), `${dev.model} revision`).to.equal(revision);
          expect(dev.config.read(0x3d, 1), `${dev.model} interrupt pin`).to.equal(pin);
        }
      },
    },
    {
      name: 'BAR types and sizes: BAR0 32-bit 256 B, BAR1 MSI-X 4 KiB, BAR2 64-bit prefetchable',
      async run(env) {
        const d = await fourModels(await env.host());
        expect(d.plain.config.read(0x10, 4) & 0xf).to.equal(0);
        expect(barSize(d.plain, 0)).to.equal(256);
        expect(d.plain.config.read(0x14, 4), 'plain has no BAR1').to.equal(0);
        expect(d.plain.config.read(0x18, 4) & 0xf).to.equal(0xc);
        expect(barSize(d.plain, 2)).to.equal(1 << 20);
        expect(barSize(d.doorbell, 1)).to.equal(4096);
        expect(d.doorbell.config.read(0x14, 4) & 0xf).to.equal(0);
        expect(barSize(d.doorbell, 2)).to.equal(1 << 20);
        expect(d.legacy.config.read(0x18, 4) & 0xf, 'legacy use64=1 default').to.equal(0xc);
        expect(d.y2010.config.read(0x14, 4) & 0xf, '2010 BAR1 is plain 32-bit memory').to.equal(0);
        expect(barSize(d.y2010, 1)).to.equal(1 << 20);
        expect(() => d.y2010.bar(2)).to.throw(AccessError, /has no BAR2/);
        expect(() => d.plain.bar(1)).to.throw(AccessError, /has no BAR1 \(it has BAR0, BAR2\)/);
      },
    },
    {
      name: 'legacy use64=0 makes BAR2 a 32-bit prefetchable BAR',
      async run(env) {
        const host = await env.host();
        const dev = host.realize('ivshmem,shm=x,size=2M,use64=0');
        expect(dev.config.read(0x18, 4) & 0xf).to.equal(0x8);
        expect(barSize(dev, 2)).to.equal(2 << 20);
        expect(dev.config.read(0x1c, 4), 'no upper half').to.equal(0);
      },
    },
    {
      name: 'a BAR keeps the address a driver assigns, in its writable bits only',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,id=m1,size=1M');
        const dev = host.realize('ivshmem-plain,memdev=m1');
        dev.config.write(0x10, 4, 0xfebf1234);
        expect(dev.config.read(0x10, 4)).to.equal(0xfebf1200);
        dev.config.write(0x18, 4, 0xfe012345);
        dev.config.write(0x1c, 4, 0x1);
        expect(dev.config.read(0x18, 4)).to.equal(0xfe00000c);
        expect(dev.config.read(0x1c, 4)).to.equal(1);
      },
    },
    {
      name: 'read-only header fields ignore writes; Command takes IO, Memory, Master, SERR and INTx Disable',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,id=m1,size=1M');
        const dev = host.realize('ivshmem-plain,memdev=m1');
        const before = [0, 2, 8, 0x0a, 0x2c, 0x2e, 0x3d].map((o) => dev.config.read(o, 1));
        for (const o of [0, 2, 8, 0x0a, 0x2c, 0x2e, 0x3d]) dev.config.write(o, 1, 0x5a);
        expect([0, 2, 8, 0x0a, 0x2c, 0x2e, 0x3d].map((o) => dev.config.read(o, 1))).to.deep.equal(before);
        expect(dev.config.read(0x04, 2), 'Command after reset').to.equal(0);
        dev.config.write(0x04, 2, 0xffff);
        // hw/pci/pci.c pci_init_wmask: IO | MEMORY | MASTER | INTX_DISABLE, plus SERR (what QEMU 7.2 reads back)
        expect(dev.config.read(0x04, 2)).to.equal(0x0001 | 0x0002 | 0x0004 | 0x0400 | 0x0100);
        dev.config.write(0x04, 1, 0);
        expect(dev.config.read(0x04, 2), 'the low byte cleared: SERR and INTx Disable stay').to.equal(0x0500);
        dev.config.write(0x3c, 1, 11);
        expect(dev.config.read(0x3c, 1), 'Interrupt Line is writable').to.equal(11);
      },
    },
    {
      name: 'config bytes 0x40-0xff are writable where no capability sits; MSI-X capability bytes keep their masks',
      async run(env) {
        const d = await fourModels(await env.host());
        // pci_init_wmask opens everything after the 64-byte header; pci_add_capability closes the
        // capability's 12 bytes again and msix_init opens Enable (bit 15) and Function Mask (bit 14)
        for (const dev of [d.plain, d.legacy, d.y2010]) {
          for (let at = 0x40; at < 0x100; at++) dev.config.write(at, 1, at ^ 0xa5);
          for (let at = 0x40; at < 0x100; at++) expect(dev.config.read(at, 1), `${dev.model} 0x${at.toString(16)}`).to.equal(at ^ 0xa5);
        }
        const dev = d.doorbell;
        for (let at = 0x40; at < 0x100; at++) dev.config.write(at, 1, 0xff);
        expect(dev.config.read(0x40, 4), 'ID 0x11, no next, Enable + Function Mask + table size 2').to.equal(0xc001_0011);
        expect(dev.config.read(0x44, 4), 'table at 0 in BAR1, unchanged').to.equal(0x1);
        expect(dev.config.read(0x48, 4), 'PBA offset/BIR unchanged').to.equal(0x801);
        for (let at = 0x4c; at < 0x100; at++) expect(dev.config.read(at, 1), `0x${at.toString(16)}`).to.equal(0xff);
      },
    },
    {
      name: 'reset clears the header\'s writable bits and MSI-X Enable/Mask, not the device-specific bytes',
      async run(env) {
        const d = await fourModels(await env.host());
        for (const dev of [d.plain, d.doorbell]) {
          dev.config.write(0x04, 2, 0x0507);
          dev.config.write(0x0c, 1, 0x10);
          dev.config.write(0x3c, 1, 11);
          dev.config.write(0x10, 4, 0xfebf1000);
          dev.config.write(0x50, 4, 0xfeedf00d);
          dev.config.write(0xfc, 4, 0x12345678);
        }
        d.doorbell.config.write(0x42, 2, 0xc000);
        for (const dev of [d.plain, d.doorbell]) {
          dev.reset();
          // pci_do_device_reset: Command, Status, Cache Line Size, Interrupt Line and BARs; msix_reset
          expect(dev.config.read(0x04, 2), `${dev.model} Command`).to.equal(0);
          expect(dev.config.read(0x0c, 1), 'Cache Line Size').to.equal(0);
          expect(dev.config.read(0x3c, 1), 'Interrupt Line').to.equal(0);
          expect(dev.config.read(0x10, 4), 'BAR0').to.equal(0);
          expect(dev.config.read(0x50, 4), 'kept').to.equal(0xfeedf00d);
          expect(dev.config.read(0xfc, 4), 'kept').to.equal(0x12345678);
        }
        expect(d.doorbell.config.read(0x42, 2), 'MSI-X disabled, unmasked, 2 entries').to.equal(1);
      },
    },
    {
      name: 'capabilities: plain has none; doorbell has MSI-X at 0x40 with table in BAR1 at 0 and PBA at 2048',
      async run(env) {
        const d = await fourModels(await env.host());
        expect(d.plain.config.read(0x06, 2) & 0x10).to.equal(0);
        expect(d.plain.config.read(0x34, 1)).to.equal(0);
        expect(d.doorbell.config.read(0x06, 2) & 0x10).to.equal(0x10);
        expect(d.doorbell.config.read(0x34, 1)).to.equal(0x40);
        expect(d.doorbell.config.read(0x40, 1), 'MSI-X capability ID').to.equal(0x11);
        expect(d.doorbell.config.read(0x41, 1), 'last capability').to.equal(0);
        expect(d.doorbell.config.read(0x42, 2), 'table size 2, disabled, unmasked').to.equal(1);
        expect(d.doorbell.config.read(0x44, 4)).to.equal(0x00000001);
        expect(d.doorbell.config.read(0x48, 4)).to.equal(0x00000801);
        expect(d.legacyMsi.config.read(0x40, 1), 'legacy msi=on with a server has MSI-X').to.equal(0x11);
        expect(d.legacyIntx.config.read(0x34, 1), 'legacy msi=off has none').to.equal(0);
        expect(d.legacy.config.read(0x34, 1), 'legacy without a server has none').to.equal(0);
      },
    },
    {
      name: 'more than 128 vectors: PBA follows the table and BAR1 grows to a power of two',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', vectors: 1 });
        const dev = host.realize('ivshmem-doorbell,chardev=srv,vectors=200');
        expect(dev.config.read(0x42, 2) & 0x7ff).to.equal(199);
        expect(dev.config.read(0x48, 4)).to.equal((200 * 16) | 1);
        expect(barSize(dev, 1)).to.equal(4096);
        const big = host.realize('ivshmem-doorbell,chardev=srv,vectors=2048');
        expect(big.config.read(0x48, 4)).to.equal(32768 | 1);
        expect(barSize(big, 1)).to.equal(65536);
      },
    },
    {
      name: 'bad config accesses are refused and change nothing',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,id=m1,size=1M');
        const dev = host.realize('ivshmem-plain,memdev=m1');
        const snapshot = () => Array.from({ length: 64 }, (_, i) => dev.config.read(i * 4, 4));
        const before = snapshot();
        expect(() => dev.config.read(256, 1)).to.throw(AccessError, /outside the region \(256 bytes\)/);
        expect(() => dev.config.read(254, 4)).to.throw(AccessError, /outside/);
        expect(() => dev.config.read(0, 3)).to.throw(AccessError, /3-byte access refused/);
        expect(() => dev.config.read(0, 8)).to.throw(AccessError, /8-byte access refused/);
        expect(() => dev.config.write(0x05, 2, 0)).to.throw(AccessError, /not aligned/);
        expect(() => dev.config.write(0x04, 2, 0x10000)).to.throw(AccessError, /does not fit a 2-byte access/);
        expect(() => dev.config.write(0x04, 2, -1)).to.throw(AccessError, /does not fit/);
        expect(() => dev.config.write(0x04, 2, 1.5)).to.throw(AccessError, /does not fit/);
        expect(() => dev.config.read(-4, 4)).to.throw(AccessError, /outside/);
        expect(snapshot()).to.deep.equal(before);
      },
    },
  ],
};
