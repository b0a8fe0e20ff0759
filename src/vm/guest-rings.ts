// Rings for guest programs: a message ring or a virtqueue in the device's shared memory (BAR2),
// with the private state in the VM's own device block (DEV_RING_STATES, where no peer writes)
// and the ivshmem doorbell as the ring's doorbell. In a guest program:
//
//   const rings = guestRings(vm);
//   rings.format(4096);                                   // one side lays the ring out, once
//   const tx = rings.producer({ peer: 1, vector: 0 });    // rings peer 1's vector 0 when it sleeps
//   tx.push(bytes);
//   const rx = rings.consumer({ peer: 1 });               // on the other VM
//   const message = rx.popWait({ timeoutMs: 1000 });     // vm.wait() underneath
import * as L from '../../assembly/layout.ts';
import * as R from '../../assembly/ring-layout.ts';
import { QemuError, checkInteger, checkObject, show } from '../errors.ts';
import type { Device } from '../device/device.ts';
import type { Doorbell } from '../ring/doorbell.ts';
import { MessageConsumer, MessageProducer, formatMessageRing } from '../ring/message-ring.ts';
import type { RingContext, RingRegion } from '../ring/ring-core.ts';
import { VirtqueueDevice, VirtqueueDriver, type VirtqueueOptions } from '../ring/virtqueue.ts';
import { STOPPED, type Guest, type WaitMode } from './guest.ts';

/**
 * The ivshmem way: ring `vector` of `peer` through the Doorbell register; sleep in the VM's
 * interrupt wait. The ring owns that vector: an interrupt taken here is not seen elsewhere.
 */
export function vmDoorbell(vm: Guest, peer: number, vector = 0, mode: WaitMode = 'spin'): Doorbell {
  // Checked now, not at the first ring or wait: by then the ring has published or announced a
  // sleep, and the call would fail half done.
  checkInteger('vmDoorbell: the peer ID', peer, 0, 0xffff);
  // As the Doorbell decodes it: QEMU's ivshmem 8 bits, ivshmem-flat and ivshmem-v2 16.
  checkInteger('vmDoorbell: the vector', vector, 0, (vm.device.layout.doorbellVectors ?? 256) - 1);
  if (mode !== 'block' && mode !== 'poll' && mode !== 'spin') throw new QemuError(`vmDoorbell: mode must be 'block', 'poll' or 'spin', not ${show(mode)}`);
  return {
    ring() {
      vm.ring(peer, vector);
    },
    wait(_word, _index, _expected, timeoutMs) {
      return vm.wait({ mode, timeoutMs }) !== STOPPED;
    },
    async waitAsync(_word, _index, _expected, timeoutMs) {
      return (await vm.waitAsync({ timeoutMs })) !== STOPPED;
    },
  };
}

export interface GuestRingOptions {
  /** the ring's offset in the shared memory (default 0) */
  at?: number;
  /** the peer to ring (its IVPosition); without it the ring never rings (the other side polls) */
  peer?: number;
  /** the peer's vector to ring, and the vector this VM waits on; default 0 */
  vector?: number;
  /** how this VM waits (vm.wait's modes); default 'spin' */
  mode?: WaitMode;
}

// State bytes handed out per device block; a VM's blocks are its own, so a counter per device.
const used = new WeakMap<Device, number>();

/** The largest guest virtqueue: its state (128 + 24N bytes) fits the device block's ring states. */
export const MAX_GUEST_QUEUE = 2 ** Math.floor(Math.log2((L.DEV_RING_STATES_SIZE - R.VQ_STATE_HEADER) / (R.VQ_SCRATCH_SIZE + R.VQ_PER_DESC_SIZE)));

export class GuestRings {
  readonly context: RingContext;
  /** the device's shared memory: the region rings live in */
  readonly region: RingRegion;

  constructor(readonly vm: Guest) {
    const memory = vm.device.sharedMemory;
    if (!memory || !vm.device.memoryBar.bytes) throw new QemuError(`${vm.device.name} has no shared memory (yet) for rings`);
    this.context = { core: vm.device.internals.core, buffer: vm.device.internals.memory.buffer };
    this.region = memory;
  }

  /** Claims `bytes` of private state in this VM's device block. */
  state(bytes: number): number {
    // a negative count would hand the next side state that overlaps this one's
    checkInteger('guest rings: state(bytes)', bytes, 0, L.DEV_RING_STATES_SIZE);
    return this.claim(bytes, `${bytes} bytes of ring state`, (at) => at);
  }

  // Makes a ring side over private state in this VM's device block; the bytes are claimed only
  // once it is made, so a side refused for a bad argument takes nothing.
  private claim<T>(bytes: number, what: string, make: (state: number) => T): T {
    const taken = used.get(this.vm.device) ?? 0;
    const size = (bytes + 15) & ~15;
    if (!(taken + size <= L.DEV_RING_STATES_SIZE)) {
      throw new QemuError(`${what} needs ${bytes} bytes of private state, and this VM's device block has ${L.DEV_RING_STATES_SIZE - taken} of its ${L.DEV_RING_STATES_SIZE} left: a guest's ring states live there, where no peer writes, and a virtqueue of size N takes 128 + 24N bytes (so at most N = ${MAX_GUEST_QUEUE} in a guest)`);
    }
    const side = make(this.vm.device.internals.block + L.DEV_RING_STATES + taken);
    used.set(this.vm.device, taken + size);
    return side;
  }

  /** Lays out an empty message ring of `capacity` bytes at `at`. */
  format(capacity: number, at = 0): void {
    formatMessageRing(this.context, this.region, capacity, at);
  }

  producer(options: GuestRingOptions = {}): MessageProducer {
    checkObject('guest rings: the producer\'s options', options);
    const name = `message ring at ${show(options.at ?? 0)} (producer, VM ${this.vm.id})`;
    return this.claim(R.RING_STATE_BYTES, name, (state) => new MessageProducer(this.context, { region: this.region, at: options.at, state, doorbell: this.doorbell(options), name }));
  }

  consumer(options: GuestRingOptions = {}): MessageConsumer {
    checkObject('guest rings: the consumer\'s options', options);
    const name = `message ring at ${show(options.at ?? 0)} (consumer, VM ${this.vm.id})`;
    return this.claim(R.RING_STATE_BYTES, name, (state) => new MessageConsumer(this.context, { region: this.region, at: options.at, state, doorbell: this.doorbell(options), name }));
  }

  /** A virtqueue's driver or device side in the shared memory (addresses are BAR2 offsets); N <= 256. */
  virtqueue(side: 'driver' | 'device', options: Omit<VirtqueueOptions, 'core' | 'buffer' | 'region' | 'state'>): VirtqueueDriver | VirtqueueDevice {
    // anything but 'driver' made a device before
    if (side !== 'driver' && side !== 'device') throw new QemuError(`guest rings: a virtqueue's side is 'driver' or 'device', not ${show(side)}`);
    checkObject('guest rings: the virtqueue\'s options', options);
    const name = options.name === undefined ? `virtqueue (${side} side, VM ${this.vm.id})` : options.name;
    // An impossible size is refused for what it is, before it is weighed against the room left.
    const bytes = VirtqueueDriver.stateBytes(options.size);
    return this.claim(bytes, `a virtqueue of size ${options.size}`, (state) => {
      // the context last: options cannot swap the core or the buffer under the guest's region
      const full = { ...options, ...this.context, name, region: this.region, state };
      return side === 'driver' ? new VirtqueueDriver(full) : new VirtqueueDevice(full);
    });
  }

  private doorbell(options: GuestRingOptions): Doorbell {
    // Without a peer the ring never rings (the other side polls): peer 0 only stands in for the
    // checks of the vector and the mode.
    const bell = vmDoorbell(this.vm, options.peer === undefined ? 0 : options.peer, options.vector, options.mode);
    if (options.peer === undefined) bell.ring = () => {};
    return bell;
  }
}

/** The ring helpers of a guest program's VM. */
export function guestRings(vm: Guest): GuestRings {
  return new GuestRings(vm);
}
