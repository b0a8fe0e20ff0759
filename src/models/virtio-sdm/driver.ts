// A virtio-sdm driver, as a guest's kernel driver would be: the virtio-mmio handshake through
// bar(0), both virtqueues in the device's guest RAM (src/ring/virtqueue.ts's driver side),
// hg_vq kept full of 16-byte buffers for incoming signals, gh_vq for outgoing ones. It works on a
// host-side device and inside a VM (vm.sdm), where it can also wait for the interrupt.
//
// Guest RAM (guest address 0 = the device's SDM_RAM), queue size N <= 64:
//   0x0000 hg_vq descriptors   0x1000 hg_vq avail   0x1400 hg_vq used
//   0x2000 gh_vq descriptors   0x3000 gh_vq avail   0x3400 gh_vq used
//   0x4000 hg_vq buffers, 16 bytes each            0x5000 gh_vq buffers, 16 bytes each
import * as L from '../../../assembly/layout.ts';
import type { Device } from '../../device/device.ts';
import { VirtqueueDriver } from '../../ring/virtqueue.ts';

export const SDM_IRQ = L.SDM_IRQ;
export const SDM_BOOT = L.SDM_BOOT;

/** struct SDMSignalData { u32 type; u32 slave; u32 payload[2]; } */
export interface SdmSignal {
  /** SDM_IRQ (0) or SDM_BOOT (1). */
  type: number;
  /** sent: the destination (0 from a slave); received: the other end (the sender's id on a master, 0 on a slave) */
  slave: number;
  /** Two 32-bit words the signal carries. */
  payload: [number, number];
}

export interface SdmSetupOptions {
  /** queue size, a power of two up to 64 (default 64) */
  queueSize?: number;
  /** negotiate VIRTIO_RING_F_EVENT_IDX (default true) */
  eventIdx?: boolean;
}

const PLAN = [
  { desc: 0x0000, avail: 0x1000, used: 0x1400, buffers: 0x4000 },
  { desc: 0x2000, avail: 0x3000, used: 0x3400, buffers: 0x5000 },
];

export class SdmError extends Error {
  override name = 'SdmError';
}

export class SdmDriver {
  private readonly view: DataView;
  private readonly ram: number;
  private queues: VirtqueueDriver[] = [];
  /** chain head -> its buffer's guest address, per queue */
  private readonly inFlight = [new Map<number, number>(), new Map<number, number>()];
  private freeBuffers: number[] = [];

  /**
   * The driver of a virtio-sdm device (on the host, or vm.sdm's in a guest).
   * @param device the virtio-sdm device it drives
   */
  constructor(readonly device: Device) {
    const { memory, block } = device.internals;
    this.view = new DataView(memory.buffer);
    this.ram = block + L.SDM_RAM;
  }

  private reg(offset: number, value?: number): number {
    const bar = this.device.bar(0);
    if (value === undefined) return bar.read(offset, 4);
    bar.write(offset, 4, value >>> 0);
    return value;
  }

  /** The virtio status register. */
  get status(): number {
    return this.reg(L.VIRTIO_MMIO_STATUS);
  }

  /** The config space as the driver reads it, with the generation it read it at. */
  get config(): {
    /** this device is its group's master */
    master: boolean;
    /** the slaves its group may have */
    maxSlaves: number;
    /** the slaves its group has now */
    currentSlaves: number;
    /** ConfigGeneration when it was read: the four were read at one generation */
    generation: number;
  } {
    const bar = this.device.bar(0);
    for (;;) {
      const generation = this.reg(L.VIRTIO_MMIO_CONFIG_GENERATION);
      const config = {
        master: bar.read(L.VIRTIO_MMIO_CONFIG + L.SDM_CFG_MASTER, 1) !== 0,
        maxSlaves: bar.read(L.VIRTIO_MMIO_CONFIG + L.SDM_CFG_MAX_SLAVES, 2),
        currentSlaves: bar.read(L.VIRTIO_MMIO_CONFIG + L.SDM_CFG_CURRENT_SLAVES, 2),
        generation,
      };
      if (this.reg(L.VIRTIO_MMIO_CONFIG_GENERATION) === generation) return config;
    }
  }

  /** A master's driver changes max_slaves (a slave's write is ignored by the device). */
  setMaxSlaves(value: number): void {
    this.device.bar(0).write(L.VIRTIO_MMIO_CONFIG + L.SDM_CFG_MAX_SLAVES, 2, value);
  }

  /**
   * The virtio 1.x initialization sequence (3.1.1): reset, ACKNOWLEDGE, DRIVER, features
   * (VERSION_1, EVENT_IDX), FEATURES_OK (checked), both queues, DRIVER_OK; then hg_vq is filled.
   */
  setup(options: SdmSetupOptions = {}): void {
    const size = options.queueSize ?? 64;
    if (!Number.isInteger(size) || size < 1 || size > L.SDM_QUEUE_NUM_MAX || (size & (size - 1)) !== 0) {
      throw new SdmError(`queue size ${size} is not a power of two up to ${L.SDM_QUEUE_NUM_MAX}`);
    }
    if (this.reg(L.VIRTIO_MMIO_MAGIC_VALUE) !== L.VIRT_MAGIC || this.reg(L.VIRTIO_MMIO_VERSION) !== 2
      || this.reg(L.VIRTIO_MMIO_DEVICE_ID) !== L.VIRTIO_ID_SDM) {
      throw new SdmError('not a virtio-mmio version 2 SDM device');
    }
    this.reg(L.VIRTIO_MMIO_STATUS, 0);
    this.reg(L.VIRTIO_MMIO_STATUS, L.VIRTIO_STATUS_ACKNOWLEDGE);
    this.reg(L.VIRTIO_MMIO_STATUS, L.VIRTIO_STATUS_ACKNOWLEDGE | L.VIRTIO_STATUS_DRIVER);
    this.reg(L.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    const low = this.reg(L.VIRTIO_MMIO_DEVICE_FEATURES);
    const eventIdx = (options.eventIdx ?? true) && (low & L.VIRTIO_RING_F_EVENT_IDX) !== 0;
    this.reg(L.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    this.reg(L.VIRTIO_MMIO_DRIVER_FEATURES, eventIdx ? L.VIRTIO_RING_F_EVENT_IDX : 0);
    this.reg(L.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    this.reg(L.VIRTIO_MMIO_DRIVER_FEATURES, 1);
    const driver = L.VIRTIO_STATUS_ACKNOWLEDGE | L.VIRTIO_STATUS_DRIVER;
    this.reg(L.VIRTIO_MMIO_STATUS, driver | L.VIRTIO_STATUS_FEATURES_OK);
    if ((this.status & L.VIRTIO_STATUS_FEATURES_OK) === 0) throw new SdmError('the device refused the features');
    this.queues = [];
    for (const queue of [L.SDM_HG_VQ, L.SDM_GH_VQ]) {
      const plan = PLAN[queue];
      this.queues.push(new VirtqueueDriver({
        core: this.device.internals.core,
        buffer: this.view.buffer,
        region: { offset: this.ram, size: L.SDM_RAM_SIZE },
        size,
        layout: plan,
        eventIdx,
        state: this.device.internals.block + L.SDM_VQ_DRIVER + queue * L.SDM_VQ_STATE_BYTES,
        name: queue === L.SDM_HG_VQ ? 'hg_vq' : 'gh_vq',
      }));
      this.reg(L.VIRTIO_MMIO_QUEUE_SEL, queue);
      this.reg(L.VIRTIO_MMIO_QUEUE_NUM, size);
      this.reg(L.VIRTIO_MMIO_QUEUE_DESC_LOW, plan.desc);
      this.reg(L.VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
      this.reg(L.VIRTIO_MMIO_QUEUE_DRIVER_LOW, plan.avail);
      this.reg(L.VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
      this.reg(L.VIRTIO_MMIO_QUEUE_DEVICE_LOW, plan.used);
      this.reg(L.VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
      this.reg(L.VIRTIO_MMIO_QUEUE_READY, 1);
      this.inFlight[queue].clear();
    }
    this.freeBuffers = Array.from({ length: size }, (_, i) => PLAN[L.SDM_GH_VQ].buffers + i * L.SDM_SIGNAL_SIZE);
    for (let i = 0; i < size; i++) this.post(PLAN[L.SDM_HG_VQ].buffers + i * L.SDM_SIGNAL_SIZE);
    this.reg(L.VIRTIO_MMIO_STATUS, driver | L.VIRTIO_STATUS_FEATURES_OK | L.VIRTIO_STATUS_DRIVER_OK);
    this.publish(L.SDM_HG_VQ);
  }

  private add(queue: number, address: number, writable: boolean): void {
    const buffer = [{ addr: address, len: L.SDM_SIGNAL_SIZE }];
    const head = writable ? this.queues[queue].add([], buffer) : this.queues[queue].add(buffer);
    if (head === null) throw new SdmError('no free descriptor');
    this.inFlight[queue].set(head, address);
  }

  // An empty buffer for the device to write an incoming signal into.
  private post(address: number): void {
    this.add(L.SDM_HG_VQ, address, true);
  }

  private publish(queue: number): void {
    if (this.queues[queue].publish()) this.reg(L.VIRTIO_MMIO_QUEUE_NOTIFY, queue);
  }

  private ensureReady(): void {
    if (this.queues.length === 0) this.setup();
    if ((this.status & L.VIRTIO_STATUS_NEEDS_RESET) !== 0) throw new SdmError('the device needs a reset (a ring broke): call setup() again');
  }

  /** Sends a signal through gh_vq; the device routes it (or rejects and counts it) at once. */
  signal(type: number, slave: number, payload: [number, number] = [0, 0]): void {
    this.ensureReady();
    this.reclaim();
    const address = this.freeBuffers.pop();
    if (address === undefined) throw new SdmError('gh_vq is full');
    const at = this.ram + address;
    this.view.setUint32(at, type >>> 0, true);
    this.view.setUint32(at + 4, slave >>> 0, true);
    this.view.setUint32(at + 8, payload[0] >>> 0, true);
    this.view.setUint32(at + 12, payload[1] >>> 0, true);
    this.add(L.SDM_GH_VQ, address, false);
    this.publish(L.SDM_GH_VQ);
  }

  /** SDM_IRQ to `slave` (a master) or to the master (a slave: slave = 0), with a payload. */
  irq(slave: number, payload: [number, number] = [0, 0]): void {
    this.signal(L.SDM_IRQ, slave, payload);
  }

  /** SDM_BOOT: starts the destination's guest program (a master booting a slave). */
  boot(slave: number, payload: [number, number] = [0, 0]): void {
    this.signal(L.SDM_BOOT, slave, payload);
  }

  private reclaim(): void {
    for (let used = this.queues[L.SDM_GH_VQ].getUsed(); used; used = this.queues[L.SDM_GH_VQ].getUsed()) {
      this.freeBuffers.push(this.inFlight[L.SDM_GH_VQ].get(used.head)!);
      this.inFlight[L.SDM_GH_VQ].delete(used.head);
    }
  }

  /** The next signal the device wrote into hg_vq, if any (never waits); its buffer goes back. */
  poll(): SdmSignal | undefined {
    this.ensureReady();
    const hg = this.queues[L.SDM_HG_VQ];
    let used = hg.getUsed();
    // Nothing used yet: reading InterruptStatus lets the device move what has arrived into hg_vq.
    if (!used && this.reg(L.VIRTIO_MMIO_INTERRUPT_STATUS) !== 0) used = hg.getUsed();
    if (!used) return undefined;
    const address = this.inFlight[L.SDM_HG_VQ].get(used.head)!;
    this.inFlight[L.SDM_HG_VQ].delete(used.head);
    const at = this.ram + address;
    const signal: SdmSignal = {
      type: this.view.getUint32(at, true),
      slave: this.view.getUint32(at + 4, true),
      payload: [this.view.getUint32(at + 8, true), this.view.getUint32(at + 12, true)],
    };
    this.post(address);
    this.publish(L.SDM_HG_VQ);
    return signal;
  }

  /**
   * Before sleeping: acknowledges the interrupt, asks for the next one, and says whether a
   * signal is already there (then the caller polls again instead of sleeping).
   */
  prepareToWait(): boolean {
    this.ensureReady();
    const isr = this.reg(L.VIRTIO_MMIO_INTERRUPT_STATUS);
    if (isr !== 0) this.reg(L.VIRTIO_MMIO_INTERRUPT_ACK, isr);
    return this.queues[L.SDM_HG_VQ].enableInterrupts();
  }
}
