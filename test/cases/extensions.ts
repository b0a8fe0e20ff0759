// The opt-in extensions (x- properties): what users of ivshmem keep asking for, off by default so
// that a default device stays exactly QEMU's.
import { expect } from 'chai';
import { QemuError } from '../../src/index.ts';
import { doorbellPair, driver, REG } from './helpers.ts';
import type { CaseGroup } from './case.ts';

function readName(dev: { bar(i: number): { read(o: number, s: 4): number } }): string {
  let text = '';
  for (let off = 0xc0; off < 0x100; off += 4) {
    const word = dev.bar(0).read(off, 4);
    for (let b = 0; b < 4; b++) text += String.fromCharCode((word >>> (b * 8)) & 0xff);
  }
  return text.replace(/\0+$/, '');
}

export const extensions: CaseGroup = {
  group: 'opt-in extensions (x- properties)',
  cases: [
    {
      name: 'without them, BAR0 0x10..0xff reads 0 and IntrStatus stays 0 on doorbells (QEMU\'s device)',
      async run(env) {
        const { a, b } = doorbellPair(await env.host());
        driver.ring(b, a.ivPosition, 1);
        expect(a.bar(0).read(REG.INTRSTATUS, 4)).to.equal(0);
        for (let off = 0x10; off < 0x100; off += 4) expect(a.bar(0).read(off, 4), `offset ${off}`).to.equal(0);
      },
    },
    {
      name: 'x-poll=on: a doorbell latches its vector in IntrStatus, even with MSI-X off; reading clears it',
      async run(env) {
        const { a, b } = doorbellPair(await env.host({ accel: 'tcg' }), 2, ',x-poll=on');
        driver.ring(b, a.ivPosition, 1);
        driver.ring(b, a.ivPosition, 0);
        expect(a.bar(0).read(REG.INTRSTATUS, 4)).to.equal(0b11);
        expect(a.bar(0).read(REG.INTRSTATUS, 4)).to.equal(0);
        expect(a.interrupts.dropped, 'MSI-X still drops it as an interrupt').to.equal(2);
        driver.bringUpDoorbell(a);
        driver.ring(b, a.ivPosition, 1);
        expect(a.bar(0).read(REG.INTRSTATUS, 4)).to.equal(0b10);
        expect(a.interrupts.delivered(1), 'and still delivers it when enabled').to.equal(1);
      },
    },
    {
      name: 'x-peers=on: BAR0 0x80..0x9f show who is connected, and follow departures',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', idSpace: 64 });
        const a = host.realize('ivshmem-doorbell,chardev=srv,x-peers=on');
        const others = [1, 2, 3].map(() => host.realize('ivshmem-doorbell,chardev=srv'));
        driver.enableDevice(a);
        expect(a.bar(0).read(0x80, 4)).to.equal(0b1111);
        others[1].unrealize();
        expect(a.bar(0).read(0x80, 4)).to.equal(0b1011);
        expect(a.bar(0).read(0x84, 4)).to.equal(0);
      },
    },
    {
      name: 'x-name: a guest tells its devices apart; names are checked',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-ram,id=m1,size=1M');
        host.addObject('memory-backend-ram,id=m2,size=1M');
        const frames = host.realize('ivshmem-plain,memdev=m1,x-name=looking-glass frames');
        const audio = host.realize('ivshmem-plain,memdev=m2,x-name=scream');
        driver.enableDevice(frames);
        driver.enableDevice(audio);
        expect(readName(frames)).to.equal('looking-glass frames');
        expect(readName(audio)).to.equal('scream');
        host.addObject('memory-backend-ram,id=m3,size=1M');
        expect(() => host.realize(`ivshmem-plain,memdev=m3,x-name=${'x'.repeat(64)}`)).to.throw(QemuError, "Parameter 'x-name' expects 1 to 63 printable ASCII characters");
        expect(() => host.realize('ivshmem-plain,memdev=m3,x-poll=on')).to.throw(QemuError, "Property 'ivshmem-plain.x-poll' not found");
      },
    },
  ],
};
