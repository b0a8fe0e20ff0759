// The scenarios `npm run conformance:qemu` runs on both backends. Each is what a guest (or the
// host beside it) can do; nothing here states an expected value: QEMU's answers are the oracle.
import type { Scenario, Step, Width } from './scenario.ts';

const PLAIN = 'ivshmem-plain';
const DOORBELL2 = 'ivshmem-doorbell,vectors=2';
const SERVER2 = { size: 1 << 20, vectors: 2 };

function range(from: number, to: number, step = 1): number[] {
  const out = [];
  for (let i = from; i < to; i += step) out.push(i);
  return out;
}

/** Reads every byte, every aligned word and every aligned dword of config space. */
function readConfig(dev = 0): Step[] {
  return ([1, 2, 4] as const).flatMap((width) => range(0, 256, width).map((offset) => ({ op: 'cfg', dev, offset, width }) as Step));
}

/** At each aligned offset: write all ones, read back, write zero, read back (the write masks). */
function configMasks(width: 1 | 2 | 4, dev = 0): Step[] {
  const ones = width === 4 ? 0xffffffff : (1 << (width * 8)) - 1;
  return range(0, 256, width).flatMap((offset): Step[] => [
    { op: 'cfg', dev, offset, width, value: ones },
    { op: 'cfg', dev, offset, width },
    { op: 'cfg', dev, offset, width, value: 0 },
    { op: 'cfg', dev, offset, width },
  ]);
}

const WIDTHS: Width[] = [1, 2, 4, 8];

/** Reads of every width at every offset in [from, to), each followed by a 4-byte read of the dword. */
function barReads(bar: number, from: number, to: number, dev = 0): Step[] {
  return WIDTHS.flatMap((width) => range(from, to).map((offset) => ({ op: 'bar', dev, bar, offset, width }) as Step));
}

/** A write of every width at every offset in [from, to), each checked with aligned 4-byte reads. */
function barWrites(bar: number, from: number, to: number, value: bigint, dev = 0): Step[] {
  return WIDTHS.flatMap((width) => range(from, to).flatMap((offset): Step[] => [
    { op: 'bar', dev, bar, offset, width, value: width === 8 ? value : Number(value & ((1n << BigInt(width * 8)) - 1n)) },
    ...range(from & ~3, to + 8, 4).map((o) => ({ op: 'bar', dev, bar, offset: o, width: 4 }) as Step),
    ...range(from & ~3, to + 8, 4).map((o) => ({ op: 'bar', dev, bar, offset: o, width: 4, value: 0 }) as Step),
  ]));
}

/** Both doorbell devices mapped, MSI-X enabled, every entry of `vectors` pointed at RAM and unmasked. */
function bringUp(devs: number[], vectors: number): Step[] {
  return devs.flatMap((dev): Step[] => [
    { op: 'map', dev },
    { op: 'cfg', dev, offset: 0x42, width: 2, value: 0x8000 },
    ...range(0, vectors).map((vector) => ({ op: 'msix-entry', dev, vector }) as Step),
  ]);
}

function observe(dev: number, vectors: number): Step[] {
  return [{ op: 'sync' }, ...range(0, vectors).map((vector) => ({ op: 'msi', dev, vector }) as Step)];
}

const pba = (dev: number): Step => ({ op: 'bar', dev, bar: 1, offset: 2048, width: 4 });

/** The messages that arrived at `dev` (2 vectors) and its pending bits: what a step left behind. */
const observeWithPba = (dev: number): Step[] => [...observe(dev, 2), pba(dev)];

export const scenarios: Scenario[] = [
  {
    name: 'config space of ivshmem-plain: every byte at every width',
    devices: [PLAIN],
    steps: readConfig(),
  },
  {
    name: 'config space of ivshmem-doorbell (2 vectors): every byte at every width',
    devices: [DOORBELL2],
    server: SERVER2,
    steps: readConfig(),
  },
  ...([1, 2, 4] as const).flatMap((width) => [
    {
      name: `config write masks of ivshmem-plain, ${width}-byte writes`,
      devices: [PLAIN],
      steps: configMasks(width),
    },
    {
      name: `config write masks of ivshmem-doorbell, ${width}-byte writes`,
      devices: [DOORBELL2],
      server: SERVER2,
      steps: configMasks(width),
    },
  ]),
  {
    name: 'Command register and BAR sizing',
    devices: [DOORBELL2],
    server: SERVER2,
    steps: [
      { op: 'cfg', offset: 0x04, width: 2, value: 0xffff },
      { op: 'cfg', offset: 0x04, width: 2 },
      { op: 'cfg', offset: 0x04, width: 2, value: 0x0100 },
      { op: 'cfg', offset: 0x04, width: 2 },
      { op: 'cfg', offset: 0x04, width: 2, value: 0 },
      ...[0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x30].flatMap((offset): Step[] => [
        { op: 'cfg', offset, width: 4, value: 0xffffffff },
        { op: 'cfg', offset, width: 4 },
        { op: 'cfg', offset, width: 4, value: 0 },
      ]),
    ],
  },
  {
    name: 'BAR0 of ivshmem-plain: reads of every width at every offset',
    devices: [PLAIN],
    steps: [
      { op: 'map' },
      { op: 'bar', bar: 0, offset: 0, width: 4, value: 0xffffffff },
      ...barReads(0, 0, 20),
      ...barReads(0, 248, 256).filter((s) => s.op === 'bar' && s.offset + s.width <= 256),
    ],
  },
  {
    name: 'BAR0 of ivshmem-plain: writes of every width at every offset',
    devices: [PLAIN],
    steps: [{ op: 'map' }, ...barWrites(0, 0, 12, 0x8765432112345678n)],
  },
  {
    name: 'BAR0 of ivshmem-doorbell: IntrStatus, IVPosition, reserved space',
    devices: [DOORBELL2],
    server: SERVER2,
    steps: [
      { op: 'map' },
      { op: 'bar', bar: 0, offset: 8, width: 4 },
      { op: 'bar', bar: 0, offset: 8, width: 4, value: 0x1234 },
      { op: 'bar', bar: 0, offset: 8, width: 4 },
      { op: 'bar', bar: 0, offset: 4, width: 4, value: 1 },
      { op: 'bar', bar: 0, offset: 4, width: 4 },
      { op: 'bar', bar: 0, offset: 4, width: 4 },
      { op: 'bar', bar: 0, offset: 12, width: 4 },
      { op: 'bar', bar: 0, offset: 0x80, width: 4, value: 0xffffffff },
      { op: 'bar', bar: 0, offset: 0x80, width: 4 },
      { op: 'bar', bar: 0, offset: 0xfc, width: 4 },
    ],
  },
  {
    name: 'BAR1 (MSI-X table and PBA): every width at every offset, reads and writes',
    devices: [DOORBELL2],
    server: SERVER2,
    steps: [
      { op: 'map' },
      ...barReads(1, 0, 36),
      ...barReads(1, 2048, 2060),
      ...barWrites(1, 0, 8, 0x1122334455667788n),
      ...barWrites(1, 12, 16, 0xfffffffen),
      { op: 'bar', bar: 1, offset: 2048, width: 4, value: 0xffffffff },
      pba(0),
      { op: 'bar', bar: 1, offset: 32, width: 4 },
      { op: 'bar', bar: 1, offset: 4092, width: 4 },
    ],
  },
  {
    name: 'BAR2 (shared memory): every width, aligned and not',
    devices: [PLAIN],
    steps: [
      { op: 'map' },
      ...barWrites(2, 0, 8, 0x0102030405060708n),
      ...barReads(2, 0, 8),
      { op: 'bar', bar: 2, offset: (1 << 20) - 4, width: 4, value: 0xdeadbeef },
      { op: 'bar', bar: 2, offset: (1 << 20) - 4, width: 4 },
      { op: 'bar', bar: 2, offset: (1 << 20) - 8, width: 8 },
    ],
  },
  {
    name: 'Memory Space Enable clear: BAR accesses',
    devices: [DOORBELL2],
    server: SERVER2,
    steps: [
      { op: 'map' },
      { op: 'bar', bar: 0, offset: 0, width: 4, value: 0xffffffff },
      { op: 'bar', bar: 2, offset: 0, width: 4, value: 0x12345678 },
      { op: 'cfg', offset: 0x04, width: 2, value: 0x4 },
      { op: 'bar', bar: 0, offset: 0, width: 4 },
      { op: 'bar', bar: 0, offset: 0, width: 4, value: 0 },
      { op: 'bar', bar: 1, offset: 0, width: 4 },
      { op: 'bar', bar: 1, offset: 0, width: 4, value: 0x5 },
      { op: 'bar', bar: 2, offset: 0, width: 4 },
      { op: 'bar', bar: 2, offset: 0, width: 4, value: 0 },
      { op: 'cfg', offset: 0x04, width: 2, value: 0x6 },
      { op: 'bar', bar: 0, offset: 0, width: 4 },
      { op: 'bar', bar: 1, offset: 0, width: 4 },
      { op: 'bar', bar: 2, offset: 0, width: 4 },
    ],
  },
  {
    name: 'doorbells between two ivshmem-doorbell devices, MSI-X messages in guest RAM',
    devices: [DOORBELL2, DOORBELL2],
    server: SERVER2,
    steps: [
      ...bringUp([0, 1], 2),
      { op: 'bar', dev: 0, bar: 0, offset: 8, width: 4 },
      { op: 'bar', dev: 1, bar: 0, offset: 8, width: 4 },
      { op: 'ring', from: 1, to: 0, vector: 0 },
      ...observe(0, 2),
      { op: 'ring', from: 0, to: 1, vector: 1 },
      ...observe(1, 2),
      { op: 'ring', from: 0, to: 0, vector: 1 },
      ...observe(0, 2),
      { op: 'ring', from: 0, to: 1, vector: 2 },
      { op: 'ring', from: 0, to: 1, vector: 0x102 },
      { op: 'bar', dev: 0, bar: 0, offset: 12, width: 4, value: 0x00070000 },
      ...observe(1, 2),
      // a masked entry: the PBA bit, then the message on unmask
      { op: 'msix-entry', dev: 1, vector: 1, masked: true },
      { op: 'ring', from: 0, to: 1, vector: 1 },
      ...observeWithPba(1),
      { op: 'msix-entry', dev: 1, vector: 1 },
      ...observeWithPba(1),
      // the function mask
      { op: 'cfg', dev: 1, offset: 0x42, width: 2, value: 0xc000 },
      { op: 'ring', from: 0, to: 1, vector: 0 },
      ...observeWithPba(1),
      { op: 'cfg', dev: 1, offset: 0x42, width: 2, value: 0x8000 },
      ...observeWithPba(1),
      // Bus Master Enable clear: the DMA write goes nowhere
      { op: 'cfg', dev: 1, offset: 0x04, width: 2, value: 0x2 },
      { op: 'ring', from: 0, to: 1, vector: 0 },
      ...observeWithPba(1),
      { op: 'cfg', dev: 1, offset: 0x04, width: 2, value: 0x6 },
      ...observe(1, 2),
      // MSI-X disabled (TCG: the event is dropped), then enabled again
      { op: 'cfg', dev: 1, offset: 0x42, width: 2, value: 0 },
      { op: 'ring', from: 0, to: 1, vector: 1 },
      ...observeWithPba(1),
      { op: 'cfg', dev: 1, offset: 0x42, width: 2, value: 0x8000 },
      ...observeWithPba(1),
    ],
  },
  {
    name: 'narrow and wide Doorbell writes',
    devices: [DOORBELL2, DOORBELL2],
    server: SERVER2,
    steps: [
      ...bringUp([0, 1], 2),
      { op: 'bar', dev: 1, bar: 0, offset: 12, width: 1, value: 0x01 },
      ...observe(0, 2),
      { op: 'bar', dev: 1, bar: 0, offset: 13, width: 1, value: 0x00 },
      ...observe(0, 2),
      { op: 'bar', dev: 1, bar: 0, offset: 14, width: 2, value: 0x0000 },
      ...observe(0, 2),
      { op: 'bar', dev: 1, bar: 0, offset: 12, width: 2, value: 0x0001 },
      ...observe(0, 2),
      { op: 'bar', dev: 1, bar: 0, offset: 8, width: 8, value: 0x00000001_00000000n },
      ...observe(0, 2),
      { op: 'bar', dev: 0, bar: 0, offset: 12, width: 4, value: 0x00010001 },
      ...observe(1, 2),
      { op: 'bar', dev: 0, bar: 0, offset: 15, width: 1, value: 0x01 },
      ...observe(1, 2),
    ],
  },
  {
    name: 'a host-side client joins, rings and is rung, and leaves',
    devices: [DOORBELL2, DOORBELL2],
    server: SERVER2,
    steps: [
      ...bringUp([0, 1], 2),
      { op: 'join' },
      { op: 'client-ring', client: 0, to: 1, vector: 1 },
      ...observe(1, 2),
      { op: 'bar', dev: 0, bar: 0, offset: 12, width: 4, value: 0x00020001 },
      { op: 'bar', dev: 0, bar: 0, offset: 12, width: 4, value: 0x00020000 },
      { op: 'sync' },
      { op: 'client-take', client: 0 },
      { op: 'client-leave', client: 0 },
      { op: 'bar', dev: 0, bar: 0, offset: 12, width: 4, value: 0x00020001 },
      { op: 'join' },
      { op: 'bar', dev: 1, bar: 0, offset: 12, width: 4, value: 0x00030000 },
      { op: 'sync' },
      { op: 'client-take', client: 1 },
    ],
  },
  {
    name: 'system reset of ivshmem-doorbell',
    devices: [DOORBELL2],
    server: SERVER2,
    steps: [
      ...bringUp([0], 2),
      { op: 'bar', bar: 0, offset: 0, width: 4, value: 0xffffffff },
      { op: 'bar', bar: 0, offset: 4, width: 4, value: 0xffffffff },
      { op: 'cfg', offset: 0x3c, width: 1, value: 11 },
      { op: 'cfg', offset: 0x0c, width: 1, value: 0x10 },
      { op: 'cfg', offset: 0x50, width: 4, value: 0xfeedf00d },
      { op: 'cfg', offset: 0x42, width: 2, value: 0xc000 },
      { op: 'reset' },
      ...readConfig(),
      { op: 'map' },
      { op: 'bar', bar: 0, offset: 0, width: 4 },
      { op: 'bar', bar: 0, offset: 4, width: 4 },
      { op: 'bar', bar: 0, offset: 8, width: 4 },
      { op: 'bar', bar: 1, offset: 12, width: 4 },
      { op: 'bar', bar: 1, offset: 8, width: 4 },
    ],
  },
  {
    name: 'system reset of ivshmem-plain keeps device-specific config bytes',
    devices: [PLAIN],
    steps: [
      { op: 'cfg', offset: 0x40, width: 4, value: 0x12345678 },
      { op: 'cfg', offset: 0xfc, width: 4, value: 0x9abcdef0 },
      { op: 'cfg', offset: 0x04, width: 2, value: 0x0107 },
      { op: 'reset' },
      ...readConfig(),
    ],
  },
  {
    name: 'ivshmem-doorbell with 1 vector (the default) and with 200',
    devices: ['ivshmem-doorbell', 'ivshmem-doorbell,vectors=200'],
    server: { size: 1 << 20, vectors: 1 },
    steps: [...readConfig(0), ...readConfig(1), { op: 'cfg', dev: 1, offset: 0x14, width: 4, value: 0xffffffff }, { op: 'cfg', dev: 1, offset: 0x14, width: 4 }],
  },
];
