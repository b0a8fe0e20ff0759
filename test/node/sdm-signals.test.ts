// virtio-sdm's signal rules (the RFC's "Device Operation"), its options and its group, on the
// local channel with host-side devices: every signal goes through the sender's gh_vq and arrives
// in the receiver's hg_vq.
import { describe, expect, test } from 'vitest';
import { QemuError } from '../../src/index.ts';
import { SDM_BOOT, SDM_IRQ, STATUS, driverOf, localGroup, sdmHost } from './sdm-fixture.ts';
import { machineOf } from '../../src/host.ts';

describe('virtio-sdm: signals', () => {
  test('a master signals each slave, each slave the master; payloads arrive intact; slave = the other end', async () => {
    const host = await sdmHost();
    const { master, slaves, m, s } = localGroup(host, 4, 3);
    expect(slaves.map((d) => d.sdm!.id)).toEqual([1, 2, 3]);
    for (const [i, d] of s.entries()) m.irq(i + 1, [0xdead0000 + i, 0xffffffff - i]);
    for (const [i, d] of s.entries()) {
      expect(d.poll()).toEqual({ type: SDM_IRQ, slave: 0, payload: [0xdead0000 + i, 0xffffffff - i] });
      expect(d.poll()).toBeUndefined();
    }
    s[2].irq(0, [3, 33]);
    s[0].irq(0, [1, 11]);
    s[0].irq(0, [1, 12]);
    // Each sender's signals arrive in the order sent; senders are not ordered among themselves.
    const got = [m.poll(), m.poll(), m.poll()];
    expect(got.filter((g) => g?.slave === 1)).toEqual([{ type: SDM_IRQ, slave: 1, payload: [1, 11] }, { type: SDM_IRQ, slave: 1, payload: [1, 12] }]);
    expect(got.filter((g) => g?.slave === 3)).toEqual([{ type: SDM_IRQ, slave: 3, payload: [3, 33] }]);
    expect(m.poll()).toBeUndefined();
    expect(master.sdm!.counters).toMatchObject({ sent: 3, received: 3 });
    expect(slaves[0].sdm!.counters).toMatchObject({ sent: 2, received: 1 });
    expect(master.sdm!.rejectedTotal + slaves[0].sdm!.rejectedTotal).toBe(0);
  });

  test('up to 16 signals per sender wait in the device until the receiver looks; more are dropped and counted', async () => {
    const host = await sdmHost();
    const { slaves, m, s } = localGroup(host, 1, 1);
    for (let i = 0; i < 20; i++) m.irq(1, [i, 0]);
    expect(slaves[0].sdm!.counters.dropped).toBe(4);
    const got: number[] = [];
    for (let signal = s[0].poll(); signal; signal = s[0].poll()) got.push(signal.payload[0]);
    expect(got).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  test('a receiver that keeps up gets everything, in order, however many', async () => {
    const host = await sdmHost();
    const { slaves, m, s } = localGroup(host, 1, 1);
    const got: number[] = [];
    for (let i = 0; i < 1000; i++) {
      m.irq(1, [i, 0]);
      if (i % 10 === 9) for (let signal = s[0].poll(); signal; signal = s[0].poll()) got.push(signal.payload[0]);
    }
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(slaves[0].sdm!.counters).toMatchObject({ dropped: 0, received: 1000 });
  });

  test('unknown type: rejected and counted, never delivered', async () => {
    const host = await sdmHost();
    const { master, slaves, m, s } = localGroup(host, 4, 1);
    m.signal(2, 1, [1, 1]);
    m.signal(0xffffffff, 1);
    s[0].signal(7, 0);
    expect(s[0].poll()).toBeUndefined();
    expect(m.poll()).toBeUndefined();
    expect(master.sdm!.counters.rejected.type).toBe(2);
    expect(slaves[0].sdm!.counters.rejected.type).toBe(1);
    expect(slaves[0].sdm!.counters.received + master.sdm!.counters.received).toBe(0);
  });

  test('slave id out of range: 0 (the master itself) or above max_slaves; an id nobody holds is absent', async () => {
    const host = await sdmHost();
    const { master, slaves, m, s } = localGroup(host, 4, 2);
    m.irq(0);
    m.irq(5);
    m.irq(70000);
    m.irq(3);
    expect(master.sdm!.counters.rejected).toMatchObject({ range: 3, absent: 1 });
    expect(s.map((d) => d.poll())).toEqual([undefined, undefined]);
    expect(slaves.map((d) => d.sdm!.counters.received)).toEqual([0, 0]);
  });

  test('slave to slave: refused (a slave signals only the master, slave field 0)', async () => {
    const host = await sdmHost();
    const { master, slaves, m, s } = localGroup(host, 4, 2);
    s[0].irq(2, [5, 5]);
    s[0].boot(2);
    expect(s[1].poll()).toBeUndefined();
    expect(m.poll()).toBeUndefined();
    expect(slaves[0].sdm!.counters.rejected['slave-to-slave']).toBe(2);
    expect(slaves[1].sdm!.counters.received + master.sdm!.counters.received).toBe(0);
  });

  test('slave beyond max_slaves: once the master lowers max_slaves, that slave neither sends nor receives', async () => {
    const host = await sdmHost();
    const { master, slaves, m, s } = localGroup(host, 4, 2);
    m.setMaxSlaves(1);
    expect(m.config.maxSlaves).toBe(1);
    expect(s[1].config.maxSlaves).toBe(1);
    m.irq(2, [9, 9]);
    s[1].irq(0, [8, 8]);
    expect(s[1].poll()).toBeUndefined();
    expect(m.poll()).toBeUndefined();
    expect(master.sdm!.counters.rejected['beyond-max']).toBe(1);
    expect(slaves[1].sdm!.counters.rejected['beyond-max']).toBe(1);
    // Slave 1 is still within max_slaves.
    m.irq(1, [1, 1]);
    expect(s[0].poll()?.payload).toEqual([1, 1]);
    // Raising it again lets slave 2 back in.
    m.setMaxSlaves(2);
    s[1].irq(0, [2, 2]);
    expect(m.poll()).toEqual({ type: SDM_IRQ, slave: 2, payload: [2, 2] });
  });

  test('a slave joining beyond max_slaves is refused with a clear error and nothing changes', async () => {
    const host = await sdmHost();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=2');
    host.realize('virtio-sdm,id=a,chardev=m');
    host.realize('virtio-sdm,id=b,chardev=m');
    const devices = host.devices.length;
    const generation = master.bar(0).read(0xfc, 4);
    expect(() => host.realize('virtio-sdm,id=c,chardev=m')).toThrow(new QemuError("virtio-sdm: master 'm' is full: max_slaves is 2 and 2 slaves are connected"));
    expect(host.devices.length).toBe(devices);
    expect(master.sdm!.currentSlaves).toBe(2);
    expect(master.bar(0).read(0xfc, 4)).toBe(generation);
    // The id 'c' is free: once a slave leaves, it can join.
    host.unplug('a');
    const c = host.realize('virtio-sdm,id=c,chardev=m');
    expect(c.sdm!.id).toBe(1);
  });

  test('SDM_BOOT to a running device is counted and changes nothing; it never reaches hg_vq', async () => {
    const host = await sdmHost();
    const { slaves, m, s } = localGroup(host, 4, 1);
    m.boot(1, [0x1000, 0]);
    expect(s[0].poll()).toBeUndefined();
    expect(slaves[0].sdm!.counters).toMatchObject({ boots: 1, received: 1 });
    expect(slaves[0].sdm!.booted).toBe(true);
    expect(slaves[0].sdm!.bootPayload).toEqual([0, 0]);
    expect(SDM_BOOT).toBe(1);
  });

  test('signals that arrive before the driver is ready wait for it (16 per sender); more are dropped and counted', async () => {
    const host = await sdmHost();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=1');
    const slave = host.realize('virtio-sdm,id=s,chardev=m');
    const m = driverOf(host, master);
    m.setup();
    for (let i = 0; i < 20; i++) m.irq(1, [i, 0]);
    expect(slave.sdm!.counters.dropped).toBe(4);
    const s = driverOf(host, slave);
    s.setup();
    const got: number[] = [];
    for (let signal = s.poll(); signal; signal = s.poll()) got.push(signal.payload[0]);
    expect(got).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  test('a reset of a running driver discards what is pending and says so', async () => {
    const host = await sdmHost();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=1');
    const slave = host.realize('virtio-sdm,id=s,chardev=m');
    const m = driverOf(host, master);
    const s = driverOf(host, slave);
    m.setup();
    s.setup({ queueSize: 2 });
    for (let i = 0; i < 5; i++) m.irq(1, [i, 0]);
    // Reading InterruptStatus moves two into hg_vq (its two buffers); three still wait.
    expect(slave.bar(0).read(0x60, 4) & 1).toBe(1);
    slave.bar(0).write(0x70, 4, 0);
    expect(slave.sdm!.counters.dropped).toBe(3);
  });

  test('a ring a driver breaks puts its device in NEEDS_RESET; a new setup recovers it', async () => {
    const host = await sdmHost();
    const { master, slaves, m, s } = localGroup(host, 4, 1);
    // Scribble over gh_vq's avail idx (guest address 0x3002) as a broken driver would.
    const ram = master.sdm!.ram.offset;
    new DataView(machineOf(host).memory.buffer).setUint16(ram + 0x3002, 0x4000, true);
    master.bar(0).write(0x50, 4, 1);
    expect(master.bar(0).read(0x70, 4) & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
    expect(master.bar(0).read(0x60, 4) & 2).toBe(2);
    expect(() => m.irq(1)).toThrow(/needs a reset/);
    m.setup();
    m.irq(1, [4, 2]);
    expect(s[0].poll()?.payload).toEqual([4, 2]);
    expect(slaves[0].sdm!.counters.received).toBe(1);
  });

  test('a gh_vq buffer too short for an SDMSignalData is rejected as a bad buffer', async () => {
    const host = await sdmHost();
    const { master, m } = localGroup(host, 4, 1);
    m.irq(1);
    // Shorten the next gh_vq descriptor the driver will use: rewrite it after it is added.
    const ram = master.sdm!.ram.offset;
    const view = new DataView(machineOf(host).memory.buffer);
    const bar = master.bar(0);
    const availIdx = view.getUint16(ram + 0x3002, true);
    const head = view.getUint16(ram + 0x3004 + ((availIdx - 1) % 64) * 2, true);
    view.setUint32(ram + 0x2000 + head * 16 + 8, 8, true);
    view.setUint16(ram + 0x3004 + (availIdx % 64) * 2, head, true);
    view.setUint16(ram + 0x3002, availIdx + 1, true);
    bar.write(0x50, 4, 1);
    expect(master.sdm!.counters.rejected.buffer).toBe(1);
  });

  test('a master that goes leaves its slaves without a master: their signals are absent', async () => {
    const host = await sdmHost();
    const { slaves, s } = localGroup(host, 4, 1);
    host.unplug('m');
    s[0].irq(0);
    expect(slaves[0].sdm!.counters.rejected.absent).toBe(1);
    expect(() => host.realize('virtio-sdm,id=x,chardev=m')).toThrow("Property 'virtio-sdm.chardev' can't find value 'm'");
  });
});

describe('virtio-sdm: options', () => {
  test.each([
    ['virtio-sdm,master=off', "You must specify a 'chardev'"],
    ['virtio-sdm', "You must specify a 'chardev'"],
    ['virtio-sdm,master=maybe', "Parameter 'master' expects 'on' or 'off'"],
    ['virtio-sdm,master=on,max_slaves=x', "Parameter 'max_slaves' expects integer"],
    ['virtio-sdm,master=on,max_slaves=70000', "Parameter 'max_slaves' expects uint16_t"],
    ['virtio-sdm,master=on,max_slaves=65', 'virtio-sdm: max_slaves 65 is above the limit of 64'],
    ['virtio-sdm,chardev=m,max_slaves=2', "Property 'virtio-sdm.max_slaves' is only for a master (master=on)"],
    ['virtio-sdm,master=on,vectors=2', "Property 'virtio-sdm.vectors' not found"],
    ['virtio-sdm,chardev=nothere', "Property 'virtio-sdm.chardev' can't find value 'nothere'"],
    ['virtio-sdm,chardev=plain', "virtio-sdm: 'plain' is not a virtio-sdm master"],
    ['virtio-sdm,chardev=s', "virtio-sdm: 's' is not a virtio-sdm master"],
    ['virtio-sdm,master=on,chardev=m', "virtio-sdm: a master's chardev must be an SDM socket chardev, and 'm' is a device"],
    ['virtio-sdm,id=m,master=on', "Duplicate ID 'm' for device"],
    ['virtio-sdm,id=1x,master=on', "Parameter 'id' expects an identifier"],
  ])('%s: %s', async (text, message) => {
    const host = await sdmHost();
    host.addObject('memory-backend-ram,id=mem,size=1M,share=on');
    host.realize('ivshmem-plain,id=plain,memdev=mem');
    host.realize('virtio-sdm,id=m,master=on');
    host.realize('virtio-sdm,id=s,chardev=m');
    const before = host.devices.length;
    expect(() => host.realize(text)).toThrow(new QemuError(message));
    expect(host.devices.length).toBe(before);
  });

  test('defaults: master=off needs a chardev; a master has max_slaves 4; parsing is QEMU base 0', async () => {
    const host = await sdmHost();
    expect(host.realize('virtio-sdm,id=a,master=on').sdm!.maxSlaves).toBe(4);
    expect(host.realize('virtio-sdm,id=b,master=on,max_slaves=0x10').sdm!.maxSlaves).toBe(16);
    const zero = host.realize('virtio-sdm,id=z,master=on,max_slaves=0');
    expect(() => host.realize('virtio-sdm,chardev=z')).toThrow(/is full: max_slaves is 0/);
    expect(zero.sdm!.currentSlaves).toBe(0);
  });
});
