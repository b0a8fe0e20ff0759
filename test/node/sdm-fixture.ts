// Shared pieces of the virtio-sdm tests. Offsets and values are written here from the virtio 1.x
// spec (4.2.2) and the SDM RFC, not taken from the implementation's layout.
import { Host, type Device } from '../../src/index.ts';
import { SdmDriver } from '../../src/index.ts';

export const REG = {
  MAGIC: 0x000, VERSION: 0x004, DEVICE_ID: 0x008, VENDOR_ID: 0x00c,
  DEVICE_FEATURES: 0x010, DEVICE_FEATURES_SEL: 0x014, DRIVER_FEATURES: 0x020, DRIVER_FEATURES_SEL: 0x024,
  QUEUE_SEL: 0x030, QUEUE_NUM_MAX: 0x034, QUEUE_NUM: 0x038, QUEUE_READY: 0x044, QUEUE_NOTIFY: 0x050,
  INTERRUPT_STATUS: 0x060, INTERRUPT_ACK: 0x064, STATUS: 0x070,
  QUEUE_DESC_LOW: 0x080, QUEUE_DESC_HIGH: 0x084, QUEUE_DRIVER_LOW: 0x090, QUEUE_DRIVER_HIGH: 0x094,
  QUEUE_DEVICE_LOW: 0x0a0, QUEUE_DEVICE_HIGH: 0x0a4, SHM_LEN_LOW: 0x0b0, SHM_LEN_HIGH: 0x0b4,
  CONFIG_GENERATION: 0x0fc, CONFIG: 0x100,
} as const;
export const STATUS = { ACKNOWLEDGE: 1, DRIVER: 2, DRIVER_OK: 4, FEATURES_OK: 8, NEEDS_RESET: 64, FAILED: 128 } as const;
export const SDM_IRQ = 0;
export const SDM_BOOT = 1;

export async function sdmHost(memory = '32M'): Promise<Host> {
  return Host.create({ memory });
}

export function driverOf(host: Host, device: Device): SdmDriver {
  return new SdmDriver(device);
}

/** A master with max_slaves and `slaves` slaves on the local channel, all on the host, drivers set up. */
export function localGroup(host: Host, maxSlaves: number, slaves: number) {
  const master = host.realize(`virtio-sdm,id=m,master=on,max_slaves=${maxSlaves}`);
  const slaveDevices = Array.from({ length: slaves }, (_, i) => host.realize(`virtio-sdm,id=s${i + 1},chardev=m`));
  const m = driverOf(host, master);
  const s = slaveDevices.map((d) => driverOf(host, d));
  m.setup();
  for (const d of s) d.setup();
  return { master, slaves: slaveDevices, m, s };
}
