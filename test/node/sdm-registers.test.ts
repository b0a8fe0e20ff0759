// virtio-sdm's virtio-mmio window, register by register, and the status handshake, against the
// virtio 1.x spec (4.2.2, 3.1.1) and QEMU's hw/virtio/virtio-mmio.c.
import { describe, expect, test } from 'vitest';
import { AccessError, QemuError } from '../../src/index.ts';
import { REG, STATUS, SDM_IRQ, driverOf, localGroup, sdmHost } from './sdm-fixture.ts';

const DRIVER = STATUS.ACKNOWLEDGE | STATUS.DRIVER;
const VERSION_1_HIGH = 1; // VIRTIO_F_VERSION_1 = bit 32
const EVENT_IDX = 1 << 29;

async function master(max = 4) {
  const host = await sdmHost();
  const device = host.realize(`virtio-sdm,id=m,master=on,max_slaves=${max}`);
  const bar = device.bar(0);
  const r = (offset: number) => bar.read(offset, 4);
  const w = (offset: number, value: number) => bar.write(offset, 4, value);
  return { host, device, bar, r, w };
}

describe('virtio-sdm: virtio-mmio registers', () => {
  test('identity: magic "virt", version 2, device ID 21, vendor "IVSW"; a 0x200-byte window', async () => {
    const { r, bar } = await master();
    expect(r(REG.MAGIC)).toBe(0x74726976);
    expect(r(REG.VERSION)).toBe(2);
    expect(r(REG.DEVICE_ID)).toBe(21);
    expect(r(REG.VENDOR_ID)).toBe(0x57535649);
    expect(bar.size).toBe(0x200);
  });

  test('read-only registers ignore writes; write-only and unknown registers read 0', async () => {
    const { r, w } = await master();
    for (const offset of [REG.MAGIC, REG.VERSION, REG.DEVICE_ID, REG.VENDOR_ID, REG.QUEUE_NUM_MAX, REG.CONFIG_GENERATION]) {
      const before = r(offset);
      w(offset, 0x12345678);
      expect(r(offset), `0x${offset.toString(16)}`).toBe(before);
    }
    w(REG.QUEUE_SEL, 1);
    w(REG.QUEUE_NUM, 8);
    w(REG.QUEUE_DESC_LOW, 0x100);
    for (const offset of [REG.DEVICE_FEATURES_SEL, REG.DRIVER_FEATURES, REG.DRIVER_FEATURES_SEL, REG.QUEUE_SEL,
      REG.QUEUE_NUM, REG.QUEUE_NOTIFY, REG.INTERRUPT_ACK, REG.QUEUE_DESC_LOW, REG.QUEUE_DESC_HIGH,
      REG.QUEUE_DRIVER_LOW, REG.QUEUE_DRIVER_HIGH, REG.QUEUE_DEVICE_LOW, REG.QUEUE_DEVICE_HIGH, 0x0c8, 0x040]) {
      expect(r(offset), `0x${offset.toString(16)}`).toBe(0);
    }
    w(0x0c8, 0xffffffff);
    expect(r(0x0c8)).toBe(0);
  });

  test('a register below 0x100 takes only 4-byte accesses: a 1- or 2-byte one reads 0 and writes nothing (virtio_mmio_read/write: "wrong size access to register!"); an 8-byte one is two 4-byte ones', async () => {
    const { bar, r, w } = await master();
    for (const width of [1, 2]) {
      expect(bar.read(REG.MAGIC, width), `${width}-byte read of MagicValue`).toBe(0);
      expect(bar.read(REG.VERSION, width), `${width}-byte read of Version`).toBe(0);
    }
    // QueueSel is write-only: what it selects shows in QueueNumMax (64 for queues 0 and 1, 0 for a queue that does not exist)
    w(REG.QUEUE_SEL, 5);
    bar.write(REG.QUEUE_SEL, 1, 0);
    bar.write(REG.QUEUE_SEL, 2, 0);
    expect(r(REG.QUEUE_NUM_MAX), 'QueueSel still 5 after narrow writes of 0').toBe(0);
    // valid and impl sizes left at QEMU's 1..4: an 8-byte access is two 4-byte ones, low first
    expect(bar.read(REG.MAGIC, 8)).toBe(0x0000_0002_7472_6976n);
    bar.write(REG.QUEUE_SEL, 8, 0x0000_0040_0000_0000n); // QueueSel = 0, then QueueNumMax (read-only) = 0x40
    expect(r(REG.QUEUE_NUM_MAX)).toBe(64);
  });

  test('no shared memory regions: SHMLenLow/High read all ones (QEMU)', async () => {
    const { r } = await master();
    expect([r(REG.SHM_LEN_LOW), r(REG.SHM_LEN_HIGH)]).toEqual([0xffffffff, 0xffffffff]);
  });

  test('DeviceFeatures: word 0 offers EVENT_IDX (bit 29), word 1 VERSION_1 (bit 32); any selector but 0 is word 1', async () => {
    const { r, w } = await master();
    expect(r(REG.DEVICE_FEATURES)).toBe(EVENT_IDX);
    w(REG.DEVICE_FEATURES_SEL, 1);
    expect(r(REG.DEVICE_FEATURES)).toBe(VERSION_1_HIGH);
    w(REG.DEVICE_FEATURES_SEL, 7);
    expect(r(REG.DEVICE_FEATURES)).toBe(VERSION_1_HIGH);
    w(REG.DEVICE_FEATURES_SEL, 0);
    expect(r(REG.DEVICE_FEATURES)).toBe(EVENT_IDX);
  });

  test('QueueSel / QueueNumMax: queues 0 (hg_vq) and 1 (gh_vq) have 64 entries, others do not exist', async () => {
    const { r, w } = await master();
    for (const [sel, max] of [[0, 64], [1, 64], [2, 0], [1023, 0]]) {
      w(REG.QUEUE_SEL, sel);
      expect(r(REG.QUEUE_NUM_MAX), `queue ${sel}`).toBe(max);
    }
    w(REG.QUEUE_SEL, 1);
    w(REG.QUEUE_SEL, 1024); // beyond VIRTIO_QUEUE_MAX: ignored, queue 1 stays selected
    expect(r(REG.QUEUE_NUM_MAX)).toBe(64);
  });

  test('QueueNum takes a power of two up to QueueNumMax; QueueReady checks the ring fits the guest RAM', async () => {
    const { device, r, w } = await master();
    const ram = device.sdm!.ram.size;
    const handshake = () => {
      w(REG.STATUS, STATUS.ACKNOWLEDGE);
      w(REG.STATUS, DRIVER);
      w(REG.DRIVER_FEATURES_SEL, 1);
      w(REG.DRIVER_FEATURES, VERSION_1_HIGH);
      w(REG.STATUS, DRIVER | STATUS.FEATURES_OK);
    };
    handshake();
    w(REG.QUEUE_SEL, 1);
    w(REG.QUEUE_NUM, 8);
    w(REG.QUEUE_NUM, 3); // not a power of two: ignored
    w(REG.QUEUE_NUM, 128); // above QueueNumMax: ignored
    w(REG.QUEUE_NUM, 0); // ignored
    // 8 descriptors end exactly at the end of the guest RAM; 64 would not fit.
    w(REG.QUEUE_DESC_LOW, ram - 8 * 16);
    w(REG.QUEUE_DRIVER_LOW, 0);
    w(REG.QUEUE_DEVICE_LOW, 0x100);
    w(REG.QUEUE_READY, 1);
    expect(r(REG.QUEUE_READY)).toBe(1);
    expect(r(REG.STATUS) & STATUS.NEEDS_RESET).toBe(0);
    w(REG.QUEUE_READY, 0);
    expect(r(REG.QUEUE_READY)).toBe(0);
    w(REG.QUEUE_SEL, 2);
    w(REG.QUEUE_READY, 1);
    expect(r(REG.QUEUE_READY)).toBe(0);
    // A ring outside the guest RAM: the queue stays off and the device needs a reset.
    w(REG.QUEUE_SEL, 0);
    w(REG.QUEUE_DESC_LOW, 0);
    w(REG.QUEUE_DESC_HIGH, 1); // 4 GiB up
    w(REG.QUEUE_READY, 1);
    expect(r(REG.QUEUE_READY)).toBe(0);
    expect(r(REG.STATUS) & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
    expect(r(REG.INTERRUPT_STATUS)).toBe(2); // configuration change
    expect(device.interrupts.delivered(0)).toBe(1);
  });

  test('status handshake: ACKNOWLEDGE, DRIVER, FEATURES_OK refused without VERSION_1 or with unknown bits, DRIVER_OK, reset by 0', async () => {
    const { r, w } = await master();
    expect(r(REG.STATUS)).toBe(0);
    w(REG.STATUS, STATUS.ACKNOWLEDGE);
    expect(r(REG.STATUS)).toBe(1);
    w(REG.STATUS, DRIVER);
    expect(r(REG.STATUS)).toBe(3);
    // No features: VERSION_1 missing, FEATURES_OK refused (the whole write is dropped).
    w(REG.STATUS, DRIVER | STATUS.FEATURES_OK);
    expect(r(REG.STATUS)).toBe(3);
    // A feature the device never offered (bit 0).
    w(REG.DRIVER_FEATURES_SEL, 1);
    w(REG.DRIVER_FEATURES, VERSION_1_HIGH);
    w(REG.DRIVER_FEATURES_SEL, 0);
    w(REG.DRIVER_FEATURES, 1);
    w(REG.STATUS, DRIVER | STATUS.FEATURES_OK);
    expect(r(REG.STATUS)).toBe(3);
    // VERSION_1 and EVENT_IDX: accepted.
    w(REG.DRIVER_FEATURES, EVENT_IDX);
    w(REG.STATUS, DRIVER | STATUS.FEATURES_OK);
    expect(r(REG.STATUS)).toBe(11);
    w(REG.STATUS, DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK);
    expect(r(REG.STATUS)).toBe(15);
    w(REG.QUEUE_SEL, 1);
    w(REG.QUEUE_NUM, 16);
    w(REG.QUEUE_READY, 1);
    expect(r(REG.QUEUE_READY)).toBe(1);
    w(REG.STATUS, 0);
    expect(r(REG.STATUS)).toBe(0);
    expect(r(REG.QUEUE_READY)).toBe(0);
    // After a reset the negotiated features are gone: FEATURES_OK is refused again.
    w(REG.STATUS, STATUS.ACKNOWLEDGE);
    w(REG.STATUS, DRIVER);
    w(REG.STATUS, DRIVER | STATUS.FEATURES_OK);
    expect(r(REG.STATUS)).toBe(3);
  });

  test('InterruptStatus / InterruptACK: bit 0 on a used hg_vq buffer, the line follows it, ACK clears bits', async () => {
    const host = await sdmHost();
    const { master, slaves, m } = localGroup(host, 4, 1);
    const bar = slaves[0].bar(0);
    expect(bar.read(REG.INTERRUPT_STATUS, 4)).toBe(0);
    const before = slaves[0].interrupts.delivered(0);
    m.irq(1, [1, 2]);
    expect(bar.read(REG.INTERRUPT_STATUS, 4) & 1).toBe(1);
    expect(slaves[0].interrupts.intx).toBe(true);
    expect(slaves[0].interrupts.take()).toBe(0);
    expect(slaves[0].interrupts.delivered(0)).toBe(before + 1);
    bar.write(REG.INTERRUPT_ACK, 4, 2); // a bit that is not set: nothing changes
    expect(bar.read(REG.INTERRUPT_STATUS, 4) & 1).toBe(1);
    bar.write(REG.INTERRUPT_ACK, 4, 1);
    expect(bar.read(REG.INTERRUPT_STATUS, 4)).toBe(0);
    expect(slaves[0].interrupts.intx).toBe(false);
    expect(slaves[0].interrupts.take()).toBe(-1);
    // The sender's gh_vq buffer came back used: its own used-buffer interrupt.
    expect(master.bar(0).read(REG.INTERRUPT_STATUS, 4) & 1).toBe(1);
  });

  test('config space at 0x100: u8 master, u16 max_slaves at 0x102, u16 current_slaves at 0x104 (natural alignment)', async () => {
    const host = await sdmHost();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=42');
    const slave = host.realize('virtio-sdm,id=s,chardev=m');
    const mb = master.bar(0);
    expect(mb.read(0x100, 1)).toBe(1);
    expect(mb.read(0x101, 1)).toBe(0);
    expect(mb.read(0x102, 2)).toBe(42);
    expect(mb.read(0x102, 1)).toBe(42); // little-endian: the low byte first
    expect(mb.read(0x103, 1)).toBe(0);
    expect(mb.read(0x104, 2)).toBe(1);
    expect(mb.read(0x106, 2)).toBe(0);
    expect(mb.read(0x100, 4)).toBe(1 | (42 << 16));
    expect(mb.read(0x104, 4)).toBe(1);
    expect(mb.read(0x1fc, 4)).toBe(0);
    const sb = slave.bar(0);
    expect(sb.read(0x100, 1)).toBe(0);
    expect(sb.read(0x102, 2)).toBe(42);
    expect(sb.read(0x104, 2)).toBe(1);
  });

  test('config writes: only a master changes max_slaves (capped at 64); master and current_slaves are read-only; the generation moves', async () => {
    const host = await sdmHost();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=4');
    const slave = host.realize('virtio-sdm,id=s,chardev=m');
    const mb = master.bar(0);
    const generation = mb.read(REG.CONFIG_GENERATION, 4);
    mb.write(0x102, 2, 9);
    expect(mb.read(0x102, 2)).toBe(9);
    expect(mb.read(REG.CONFIG_GENERATION, 4)).not.toBe(generation);
    mb.write(0x102, 1, 0x21); // the low byte alone
    expect(mb.read(0x102, 2)).toBe(0x21);
    mb.write(0x103, 1, 0x01); // the high byte: 0x121, above the limit
    expect(mb.read(0x102, 2)).toBe(64);
    mb.write(0x100, 4, 0x00070000); // a 4-byte write covering master and max_slaves
    expect(mb.read(0x102, 2)).toBe(7);
    mb.write(0x100, 1, 0);
    mb.write(0x104, 2, 77);
    expect(mb.read(0x100, 1)).toBe(1);
    expect(mb.read(0x104, 2)).toBe(1);
    slave.bar(0).write(0x102, 2, 2);
    expect(mb.read(0x102, 2)).toBe(7);
    expect(slave.bar(0).read(0x102, 2)).toBe(7);
  });

  test('ConfigGeneration changes when a slave joins or leaves, on the master and on its slaves', async () => {
    const host = await sdmHost();
    const master = host.realize('virtio-sdm,id=m,master=on,max_slaves=4');
    const first = host.realize('virtio-sdm,id=s1,chardev=m');
    const g0 = master.bar(0).read(REG.CONFIG_GENERATION, 4);
    const s0 = first.bar(0).read(REG.CONFIG_GENERATION, 4);
    const second = host.realize('virtio-sdm,id=s2,chardev=m');
    expect(master.bar(0).read(REG.CONFIG_GENERATION, 4)).not.toBe(g0);
    expect(first.bar(0).read(REG.CONFIG_GENERATION, 4)).not.toBe(s0);
    expect(master.bar(0).read(0x104, 2)).toBe(2);
    const g1 = master.bar(0).read(REG.CONFIG_GENERATION, 4);
    second.unrealize();
    expect(master.bar(0).read(0x104, 2)).toBe(1);
    expect(master.bar(0).read(REG.CONFIG_GENERATION, 4)).not.toBe(g1);
  });

  test('a running driver gets a configuration change interrupt when current_slaves changes', async () => {
    const host = await sdmHost();
    const { master, m } = localGroup(host, 4, 0);
    expect(master.bar(0).read(REG.INTERRUPT_STATUS, 4)).toBe(0);
    host.realize('virtio-sdm,id=late,chardev=m');
    expect(master.bar(0).read(REG.INTERRUPT_STATUS, 4)).toBe(2);
    expect(m.config.currentSlaves).toBe(1);
  });

  test('widths as QEMU takes them: a register access that is not 4 bytes reads 0 and writes nothing; 8 bytes are two 4-byte accesses; the config space takes 1, 2, 4', async () => {
    const { bar, r } = await master();
    expect(bar.read(REG.MAGIC, 2)).toBe(0);
    expect(bar.read(REG.MAGIC + 1, 1)).toBe(0);
    bar.write(REG.STATUS, 1, STATUS.ACKNOWLEDGE);
    bar.write(REG.STATUS, 2, STATUS.ACKNOWLEDGE);
    expect(r(REG.STATUS)).toBe(0);
    // MagicValue and Version in one 8-byte read.
    expect(bar.read(REG.MAGIC, 8)).toBe(0x74726976n | (2n << 32n));
    bar.write(REG.STATUS, 8, BigInt(STATUS.ACKNOWLEDGE));
    expect(r(REG.STATUS)).toBe(STATUS.ACKNOWLEDGE);
    // The config space: bytes, halves, words, and an 8-byte read of the first two words.
    expect(bar.read(0x101, 1)).toBe(0);
    expect(bar.read(0x100, 8)).toBe(1n | (4n << 16n));
    // Unaligned: a 4-byte read at 0x102 is max_slaves then current_slaves.
    expect(bar.read(0x102, 4)).toBe(4);
    expect(() => bar.read(0x200, 4)).toThrow(AccessError);
    expect(() => bar.read(0x1fe, 4)).toThrow(AccessError);
    expect(() => bar.read(0, 3)).toThrow(AccessError);
  });

  test('a virtio-mmio device has no PCI config space and no other BARs', async () => {
    const { device } = await master();
    expect(() => device.config.read(0, 2)).toThrow(/virtio-mmio device: it has no PCI configuration space/);
    expect(() => device.config.write(4, 2, 6)).toThrow(AccessError);
    expect(() => device.bar(2)).toThrow(AccessError);
  });

  test('a device reset (system reset) is the virtio reset: status 0, queues off, interrupt cleared', async () => {
    const host = await sdmHost();
    const { slaves, m } = localGroup(host, 4, 1);
    m.irq(1);
    const bar = slaves[0].bar(0);
    expect(bar.read(REG.STATUS, 4)).toBe(15);
    slaves[0].reset();
    expect(bar.read(REG.STATUS, 4)).toBe(0);
    expect(bar.read(REG.INTERRUPT_STATUS, 4)).toBe(0);
    bar.write(REG.QUEUE_SEL, 4, 0);
    expect(bar.read(REG.QUEUE_READY, 4)).toBe(0);
    expect(slaves[0].interrupts.intx).toBe(false);
  });

  test('a driver finds the device through the registers and runs the whole handshake', async () => {
    const host = await sdmHost();
    const device = host.realize('virtio-sdm,id=m,master=on');
    const driver = driverOf(host, device);
    driver.setup({ queueSize: 16 });
    expect(driver.status).toBe(STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK);
    expect(driver.config).toMatchObject({ master: true, maxSlaves: 4, currentSlaves: 0 });
    expect(SDM_IRQ).toBe(0);
    expect(() => host.realize('virtio-sdm,id=m2,master=on,max_slaves=-1')).toThrow(QemuError);
  });
});
