// The virtio Signal Distribution Module (Christian Pinto's 2016 virtio-dev RFC): a master and up to max_slaves
// slaves signal each other. A master signals any slave 1..max_slaves; a slave signals only the
// master (its `slave` field is 0); id 0 is the master. Signals are SDMSignalData
// { u32 type; u32 slave; u32 payload[2] }, SDM_IRQ (0) or SDM_BOOT (1), taken from the
// driver's gh_vq (queue 1) and delivered into the destination driver's hg_vq (queue 0).
// On delivery `slave` names the other end: the sending slave's id for a master, 0 for a slave.
//
// Its state in the device block is drawn in sdm-layout.ts.
//
// Threads, with no lock (docs/architecture.md): the device's own thread writes its registers and
// is the only one to touch either ring's device side. A sender writes the destination's lane for
// its own id (one producer per lane), raises the destination's InterruptStatus and line; the
// destination's thread moves its lanes into hg_vq when its driver reads InterruptStatus (as a
// virtio driver's interrupt handler does first), notifies hg_vq, or starts the device. A sender
// counts itself into the destination's notifiers and checks the link again before acting, so a
// block being recycled is never written. The host thread joins and leaves groups, and drains
// the outbox into the relay.
import { TRACE_SDM_SEND, TRACE_SDM_DELIVER, TRACE_SDM_BOOT, TRACE_SDM_REJECT } from './trace-layout';
import { DEV_VM_ID, DEV_NOTIFIERS } from './device-layout';
import {
  VMMIO_GENERATION, VMMIO_STATUS, VMMIO_QUEUES, VMMIO_QUEUE_STRIDE, VMMIO_QUEUE_READY,
  VMMIO_QUEUE_NUM, VMMIO_QUEUE_DESC, VMMIO_QUEUE_DRIVER, VMMIO_QUEUE_DEVICE, VMMIO_DRIVER_FEATURES,
  VIRTIO_RING_F_EVENT_IDX, VIRTIO_STATUS_DRIVER_OK, VIRTIO_STATUS_NEEDS_RESET, VIRTIO_ISR_CONFIG,
  VIRTIO_ISR_VRING,
} from './virtio-mmio-layout';
import {
  SDM_CONFIG, SDM_CFG_MASTER, SDM_CFG_MAX_SLAVES, SDM_CFG_CURRENT_SLAVES, SDM_MASTER_LINK,
  SDM_CHANNEL_SOCKET, SDM_SENT, SDM_RECEIVED, SDM_DROPPED, SDM_BOOTED, SDM_BOOT_PAYLOAD, SDM_BOOTS,
  SDM_REJECTED, SDM_IRQ, SDM_BOOT, SDM_SLAVES, SDM_SLAVES_MAX, SDM_REMOTE, SDM_REJECT_TYPE,
  SDM_REJECT_RANGE, SDM_REJECT_SLAVE_TO_SLAVE, SDM_REJECT_BEYOND_MAX, SDM_REJECT_ABSENT,
  SDM_REJECT_BUFFER, SDM_LANES, SDM_LANE_STRIDE, SDM_LANE_WRITE, SDM_LANE_READ, SDM_LANE_ENTRIES_AT,
  SDM_LANE_ENTRIES, SDM_SIGNAL_SIZE, SDM_OUTBOX_WRITE, SDM_OUTBOX_READ, SDM_OUTBOX_ENTRIES_AT,
  SDM_OUTBOX_ENTRIES, SDM_VQ_DEVICE, SDM_VQ_STATE_BYTES, SDM_RAM, SDM_RAM_SIZE, SDM_HG_VQ,
  SDM_GH_VQ,
} from './sdm-layout';
import { traceSdm } from './trace';
import { needsReset, raiseIsr } from './virtio-mmio-irq';
import { vqInit, vqDevicePop, vqDevicePush, vqDevicePublish } from './virtqueue';
import { RING_EMPTY, VQ_EVENT_IDX, VQ_STATE_HEADER, VQ_SCRATCH_SIZE, VQ_S_OUT_NUM, VQ_S_IN_NUM } from './ring-layout';

// ---- config space (virtio_sdm_config, from 0x100) ----

function isMaster(dev: u32): bool {
  return load<u8>(dev + SDM_CONFIG + SDM_CFG_MASTER) != 0;
}

// A slave on the local channel shows its master's max_slaves and current_slaves; across the
// relay it shows the copy the relay keeps up to date.
function configSource(dev: u32): u32 {
  const link = atomic.load<u32>(dev + SDM_MASTER_LINK);
  return !isMaster(dev) && link > <u32>SDM_REMOTE ? link : dev;
}

function configByte(dev: u32, at: u32): u32 {
  if (at == SDM_CFG_MASTER) return <u32>load<u8>(dev + SDM_CONFIG);
  if (at >= 8) return 0;
  return <u32>atomic.load<u8>(configSource(dev) + SDM_CONFIG + at);
}

export function sdmConfigRead(dev: u32, offset: u32, size: u32): u32 {
  let value: u32 = 0;
  for (let i: u32 = 0; i < size; i++) value |= configByte(dev, offset + i) << (i << 3);
  return value;
}

function maxSlaves(dev: u32): u32 {
  return <u32>atomic.load<u16>(dev + SDM_CONFIG + SDM_CFG_MAX_SLAVES);
}

function bumpGeneration(dev: u32): void {
  atomic.add<i32>(dev + VMMIO_GENERATION, 1);
}

// Only a master's driver changes anything: the bytes of max_slaves (capped at SDM_SLAVES_MAX);
// master and current_slaves are read-only.
export function sdmConfigWrite(dev: u32, offset: u32, size: u32, value: u32): void {
  if (!isMaster(dev)) return;
  let next = maxSlaves(dev);
  let touched = false;
  for (let i: u32 = 0; i < size; i++) {
    const at = offset + i;
    if (at != SDM_CFG_MAX_SLAVES && at != SDM_CFG_MAX_SLAVES + 1) continue;
    const shift = (at - SDM_CFG_MAX_SLAVES) << 3;
    next = (next & ~(0xff << shift)) | (((value >> (i << 3)) & 0xff) << shift);
    touched = true;
  }
  if (!touched) return;
  atomic.store<u16>(dev + SDM_CONFIG + SDM_CFG_MAX_SLAVES, <u16>min(next, <u32>SDM_SLAVES_MAX));
  bumpGeneration(dev);
  slavesConfigChanged(dev);
  // Across the relay, the host thread tells the relay (it parks on the outbox's write index).
  atomic.notify(dev + SDM_OUTBOX_WRITE);
}

// A change the driver did not make: new generation, and a configuration change interrupt once
// the driver is running.
function configChanged(dev: u32): void {
  bumpGeneration(dev);
  if ((atomic.load<i32>(dev + VMMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK) != 0) raiseIsr(dev, VIRTIO_ISR_CONFIG);
}

// A local slave's driver reads its master's config: it changed for them too.
function slavesConfigChanged(master: u32): void {
  for (let id: u32 = 1; id <= <u32>SDM_SLAVES_MAX; id++) {
    const slave = atomic.load<u32>(slaveEntry(master, id));
    if (slave > <u32>SDM_REMOTE) configChanged(slave);
  }
}

// ---- setting up and resetting ----

// At realize (virtioMmioRealize): role, max_slaves, whether the guest program may run yet, which
// channel.
export function sdmSetup(dev: u32, master: u32, slaves: u32, booted: u32, socket: u32): void {
  store<u8>(dev + SDM_CONFIG + SDM_CFG_MASTER, master != 0 ? 1 : 0);
  store<u16>(dev + SDM_CONFIG + SDM_CFG_MAX_SLAVES, <u16>(master != 0 ? slaves : 0));
  store<i32>(dev + DEV_VM_ID, master != 0 ? 0 : -1);
  store<i32>(dev + SDM_CHANNEL_SOCKET, socket);
  atomic.store<i32>(dev + SDM_BOOTED, booted);
}

function laneAt(dev: u32, from: u32): u32 {
  return dev + SDM_LANES + from * SDM_LANE_STRIDE;
}

// The device's part of a reset (virtioMmioReset, after the transport's), on the device's own
// thread: signals not yet in hg_vq are discarded (counted as dropped). The group is kept.
export function sdmReset(dev: u32): void {
  for (let from: u32 = 0; from <= <u32>SDM_SLAVES_MAX; from++) {
    const lane = laneAt(dev, from);
    const write = atomic.load<u32>(lane + SDM_LANE_WRITE);
    const read = atomic.xchg<u32>(lane + SDM_LANE_READ, write);
    if (write != read) atomic.add<i32>(dev + SDM_DROPPED, <i32>(write - read));
  }
}

// ---- the group ----

function slaveEntry(master: u32, id: u32): u32 {
  return master + SDM_SLAVES + (id << 2);
}

function countSlaves(master: u32): void {
  let n: u32 = 0;
  for (let id: u32 = 1; id <= <u32>SDM_SLAVES_MAX; id++) if (atomic.load<u32>(slaveEntry(master, id)) != 0) n++;
  atomic.store<u16>(master + SDM_CONFIG + SDM_CFG_CURRENT_SLAVES, <u16>n);
  configChanged(master);
  slavesConfigChanged(master);
}

// A slave joins its master's group (on the host thread): the requested id (0 = the lowest free
// one), which must be free and within max_slaves. `slave` is a local device block. Returns the
// id, or -1 when there is no room.
export function sdmAttach(master: u32, slave: u32, requested: u32): i32 {
  const max = min(maxSlaves(master), <u32>SDM_SLAVES_MAX);
  let id: u32 = 0;
  if (requested != 0) {
    if (requested <= max && atomic.load<u32>(slaveEntry(master, requested)) == 0) id = requested;
  } else {
    for (let i: u32 = 1; i <= max && id == 0; i++) if (atomic.load<u32>(slaveEntry(master, i)) == 0) id = i;
  }
  if (id == 0) return -1;
  store<i32>(slave + DEV_VM_ID, id);
  atomic.store<u32>(slave + SDM_MASTER_LINK, master);
  atomic.store<u32>(slaveEntry(master, id), slave);
  countSlaves(master);
  return <i32>id;
}

// The relay says which slaves a master has across it: each id is present (SDM_REMOTE) or not.
export function sdmSetRemoteSlave(master: u32, id: u32, present: u32): void {
  if (id == 0 || id > <u32>SDM_SLAVES_MAX) return;
  const entry = slaveEntry(master, id);
  const now = atomic.load<u32>(entry);
  if (now > <u32>SDM_REMOTE) return;
  const next: u32 = present != 0 ? SDM_REMOTE : 0;
  if (now == next) return;
  atomic.store<u32>(entry, next);
  countSlaves(master);
}

// A device leaves its group (unplugged, or its VM is gone), on the host thread. A master's local
// slaves are left without a master; a slave frees its id, if its master is still the one it
// joined. Links go first: a sender that counted itself in afterwards sees them gone.
export function sdmLeave(dev: u32): void {
  if (isMaster(dev)) {
    for (let id: u32 = 1; id <= <u32>SDM_SLAVES_MAX; id++) {
      const slave = atomic.xchg<u32>(slaveEntry(dev, id), 0);
      if (slave > <u32>SDM_REMOTE) atomic.store<u32>(slave + SDM_MASTER_LINK, 0);
    }
    return;
  }
  const master = atomic.xchg<u32>(dev + SDM_MASTER_LINK, 0);
  const id = <u32>load<i32>(dev + DEV_VM_ID);
  if (master <= <u32>SDM_REMOTE || id == 0 || id > <u32>SDM_SLAVES_MAX) return;
  if (atomic.cmpxchg<u32>(slaveEntry(master, id), dev, 0) == dev) countSlaves(master);
}

// A slave across the relay: its id, whether a master is there, and the master's config.
export function sdmSetRemoteMaster(slave: u32, id: i32, present: u32, max: u32, current: u32): void {
  store<i32>(slave + DEV_VM_ID, id);
  atomic.store<u32>(slave + SDM_MASTER_LINK, present != 0 ? SDM_REMOTE : 0);
  const cfg = slave + SDM_CONFIG;
  if (<u32>atomic.load<u16>(cfg + SDM_CFG_MAX_SLAVES) == max && <u32>atomic.load<u16>(cfg + SDM_CFG_CURRENT_SLAVES) == current) return;
  atomic.store<u16>(cfg + SDM_CFG_MAX_SLAVES, <u16>max);
  atomic.store<u16>(cfg + SDM_CFG_CURRENT_SLAVES, <u16>current);
  configChanged(slave);
}

// ---- signals ----

function reject(dev: u32, reason: u32): i32 {
  atomic.add<i32>(dev + SDM_REJECTED + (reason << 2), 1);
  traceSdm(TRACE_SDM_REJECT, load<i32>(dev + DEV_VM_ID), -1, reason, 0, 0);
  return <i32>reason + 1;
}

function knownType(type: u32): bool {
  return type == SDM_IRQ || type == SDM_BOOT;
}

// The device's own driver sends a signal (from its gh_vq). Returns 0 when it was delivered or
// queued for the destination, else 1 + the SDM_REJECT_* reason (counted, never delivered).
export function sdmSend(dev: u32, type: u32, slave: u32, p0: u32, p1: u32): i32 {
  if (!knownType(type)) return reject(dev, SDM_REJECT_TYPE);
  if (isMaster(dev)) {
    if (slave == 0 || slave > <u32>SDM_SLAVES_MAX) return reject(dev, SDM_REJECT_RANGE);
    const link = slaveEntry(dev, slave);
    const dest = atomic.load<u32>(link);
    if (slave > maxSlaves(dev)) return reject(dev, dest != 0 ? SDM_REJECT_BEYOND_MAX : SDM_REJECT_RANGE);
    if (dest == 0) return reject(dev, SDM_REJECT_ABSENT);
    return forward(dev, link, dest, type, slave, 0, p0, p1);
  }
  if (slave != 0) return reject(dev, SDM_REJECT_SLAVE_TO_SLAVE);
  const link = dev + SDM_MASTER_LINK;
  const master = atomic.load<u32>(link);
  if (master == 0) return reject(dev, SDM_REJECT_ABSENT);
  const self = <u32>load<i32>(dev + DEV_VM_ID);
  const max = master == <u32>SDM_REMOTE ? maxSlaves(dev) : maxSlaves(master);
  if (self > max) return reject(dev, SDM_REJECT_BEYOND_MAX);
  return forward(dev, link, master, type, 0, self, p0, p1);
}

// `to` is the id the relay routes by; `from` is the sender's id, the lane it writes and what the
// destination's hg_vq shows. A local destination is acted on only while the link still names it.
function forward(dev: u32, link: u32, dest: u32, type: u32, to: u32, from: u32, p0: u32, p1: u32): i32 {
  atomic.add<i32>(dev + SDM_SENT, 1);
  traceSdm(TRACE_SDM_SEND, <i32>from, <i32>to, type, p0, p1);
  if (dest == <u32>SDM_REMOTE) {
    outboxPush(dev, type, to, p0, p1);
    return 0;
  }
  atomic.add<i32>(dest + DEV_NOTIFIERS, 1);
  if (atomic.load<u32>(link) == dest) deliver(dest, type, from, p0, p1);
  else reject(dev, SDM_REJECT_ABSENT);
  atomic.sub<i32>(dest + DEV_NOTIFIERS, 1);
  return 0;
}

// A signal from the relay for this device (the host thread). The relay checks its frames, and so
// does the device: a master takes signals only from a slave it has within max_slaves; a slave
// only from the master.
export function sdmReceive(dev: u32, type: u32, from: u32, p0: u32, p1: u32): i32 {
  if (!knownType(type)) return reject(dev, SDM_REJECT_TYPE);
  if (isMaster(dev)) {
    if (from == 0 || from > <u32>SDM_SLAVES_MAX) return reject(dev, SDM_REJECT_RANGE);
    if (atomic.load<u32>(slaveEntry(dev, from)) != <u32>SDM_REMOTE) return reject(dev, SDM_REJECT_ABSENT);
    if (from > maxSlaves(dev)) return reject(dev, SDM_REJECT_BEYOND_MAX);
  } else if (from != 0) {
    return reject(dev, SDM_REJECT_SLAVE_TO_SLAVE);
  }
  deliver(dev, type, from, p0, p1);
  return 0;
}

// SDM_BOOT releases a device whose guest program waits to be booted (remoteproc's start): the
// first one starts it with its payload; later ones are counted and change nothing. SDM_IRQ goes
// into the sender's lane and raises the destination's interrupt; its thread moves it to hg_vq.
function deliver(dest: u32, type: u32, from: u32, p0: u32, p1: u32): void {
  atomic.add<i32>(dest + SDM_RECEIVED, 1);
  if (type == SDM_BOOT) {
    atomic.add<i32>(dest + SDM_BOOTS, 1);
    if (atomic.load<i32>(dest + SDM_BOOTED) != 0) return;
    atomic.store<u32>(dest + SDM_BOOT_PAYLOAD, p0);
    atomic.store<u32>(dest + SDM_BOOT_PAYLOAD + 4, p1);
    if (atomic.cmpxchg<i32>(dest + SDM_BOOTED, 0, 1) == 0) {
      traceSdm(TRACE_SDM_BOOT, atomic.load<i32>(dest + DEV_VM_ID), <i32>from, type, p0, p1);
      atomic.notify(dest + SDM_BOOTED);
    }
    return;
  }
  const lane = laneAt(dest, from);
  const write = atomic.load<u32>(lane + SDM_LANE_WRITE);
  if (write - atomic.load<u32>(lane + SDM_LANE_READ) >= <u32>SDM_LANE_ENTRIES) {
    atomic.add<i32>(dest + SDM_DROPPED, 1);
    return;
  }
  writeSignal(lane + SDM_LANE_ENTRIES_AT + (write % SDM_LANE_ENTRIES) * SDM_SIGNAL_SIZE, type, from, p0, p1);
  atomic.store<u32>(lane + SDM_LANE_WRITE, write + 1);
  raiseIsr(dest, VIRTIO_ISR_VRING);
}

function writeSignal(at: u32, type: u32, slave: u32, p0: u32, p1: u32): void {
  store<u32>(at, type);
  store<u32>(at + 4, slave);
  store<u32>(at + 8, p0);
  store<u32>(at + 12, p1);
}

// One producer (the device's own thread), one consumer (the host thread, which parks on the
// write index with Atomics.waitAsync). A full outbox drops the signal and counts it.
function outboxPush(dev: u32, type: u32, to: u32, p0: u32, p1: u32): void {
  const write = atomic.load<u32>(dev + SDM_OUTBOX_WRITE);
  if (write - atomic.load<u32>(dev + SDM_OUTBOX_READ) >= <u32>SDM_OUTBOX_ENTRIES) {
    atomic.add<i32>(dev + SDM_DROPPED, 1);
    return;
  }
  writeSignal(dev + SDM_OUTBOX_ENTRIES_AT + (write % SDM_OUTBOX_ENTRIES) * SDM_SIGNAL_SIZE, type, to, p0, p1);
  atomic.store<u32>(dev + SDM_OUTBOX_WRITE, write + 1);
  atomic.notify(dev + SDM_OUTBOX_WRITE);
}

// ---- queues (the device's own thread) ----

function queueAt(dev: u32, index: u32): u32 {
  return dev + VMMIO_QUEUES + index * VMMIO_QUEUE_STRIDE;
}

function ringAt(dev: u32, index: u32): u32 {
  return dev + SDM_VQ_DEVICE + index * SDM_VQ_STATE_BYTES;
}

// QueueReady = 1 takes the queue's size and addresses; parts that do not fit the guest RAM or
// are misaligned leave the queue off and the device in NEEDS_RESET.
export function sdmQueueReady(dev: u32, index: u32, ready: bool): void {
  const q = queueAt(dev, index);
  if (!ready) {
    atomic.store<i32>(q + VMMIO_QUEUE_READY, 0);
    return;
  }
  const desc = load<u64>(q + VMMIO_QUEUE_DESC);
  const avail = load<u64>(q + VMMIO_QUEUE_DRIVER);
  const used = load<u64>(q + VMMIO_QUEUE_DEVICE);
  const flags: u32 = (load<u32>(dev + VMMIO_DRIVER_FEATURES) & VIRTIO_RING_F_EVENT_IDX) != 0 ? VQ_EVENT_IDX : 0;
  const limit = <u64>SDM_RAM_SIZE;
  if (desc >= limit || avail >= limit || used >= limit
    || vqInit(ringAt(dev, index), dev + SDM_RAM, SDM_RAM_SIZE, load<u32>(q + VMMIO_QUEUE_NUM), <u32>desc, <u32>avail, <u32>used, flags, 0) != 0) {
    needsReset(dev);
    return;
  }
  atomic.store<i32>(q + VMMIO_QUEUE_READY, 1);
  if (index == SDM_HG_VQ) sdmTakeIncoming(dev);
}

// A queue the device may use: the driver is running, the queue is on, nothing is broken.
function usable(dev: u32, index: u32): bool {
  const status = atomic.load<i32>(dev + VMMIO_STATUS);
  if ((status & VIRTIO_STATUS_DRIVER_OK) == 0 || (status & VIRTIO_STATUS_NEEDS_RESET) != 0) return false;
  return atomic.load<i32>(queueAt(dev, index) + VMMIO_QUEUE_READY) != 0;
}

export function sdmQueueNotify(dev: u32, index: u32): void {
  if (index == SDM_HG_VQ) sdmTakeIncoming(dev);
  else takeSignals(dev);
}

// gh_vq: every chain the driver made available holds one SDMSignalData in its first readable
// buffer. Each is sent (or rejected) and returned with nothing written.
function takeSignals(dev: u32): void {
  if (!usable(dev, SDM_GH_VQ)) return;
  const q = ringAt(dev, SDM_GH_VQ);
  let broken = false;
  while (true) {
    const head = vqDevicePop(q);
    if (head == RING_EMPTY) break;
    if (head < 0) {
      broken = true;
      break;
    }
    const first = q + VQ_STATE_HEADER;
    if (load<u32>(q + VQ_S_OUT_NUM) == 0 || load<u32>(first + 4) < <u32>SDM_SIGNAL_SIZE) {
      reject(dev, SDM_REJECT_BUFFER);
    } else {
      const at = dev + SDM_RAM + load<u32>(first);
      sdmSend(dev, load<u32>(at), load<u32>(at + 4), load<u32>(at + 8), load<u32>(at + 12));
    }
    vqDevicePush(q, <u32>head, 0);
  }
  finish(dev, q, broken);
}

// hg_vq: the signals waiting in the lanes go into the buffers the driver posted, 16 bytes each,
// lane by lane, each lane in order. A lane entry is consumed only once it is in a buffer.
export function sdmTakeIncoming(dev: u32): void {
  if (!usable(dev, SDM_HG_VQ)) return;
  const q = ringAt(dev, SDM_HG_VQ);
  let broken = false;
  for (let from: u32 = 0; from <= <u32>SDM_SLAVES_MAX && !broken; from++) {
    const lane = laneAt(dev, from);
    let read = atomic.load<u32>(lane + SDM_LANE_READ);
    const write = atomic.load<u32>(lane + SDM_LANE_WRITE);
    while (read != write) {
      const chain = vqDevicePop(q);
      if (chain == RING_EMPTY) break;
      if (chain < 0) {
        broken = true;
        break;
      }
      const buffer = q + VQ_STATE_HEADER + load<u32>(q + VQ_S_OUT_NUM) * VQ_SCRATCH_SIZE;
      if (load<u32>(q + VQ_S_IN_NUM) == 0 || load<u32>(buffer + 4) < <u32>SDM_SIGNAL_SIZE) {
        reject(dev, SDM_REJECT_BUFFER);
        vqDevicePush(q, <u32>chain, 0);
        continue;
      }
      const entry = lane + SDM_LANE_ENTRIES_AT + (read % SDM_LANE_ENTRIES) * SDM_SIGNAL_SIZE;
      memory.copy(dev + SDM_RAM + load<u32>(buffer), entry, SDM_SIGNAL_SIZE);
      traceSdm(TRACE_SDM_DELIVER, load<i32>(dev + DEV_VM_ID), <i32>from, load<u32>(entry), load<u32>(entry + 8), load<u32>(entry + 12));
      vqDevicePush(q, <u32>chain, SDM_SIGNAL_SIZE);
      read++;
      atomic.store<u32>(lane + SDM_LANE_READ, read);
    }
  }
  finish(dev, q, broken);
}

// Publishes what was used; interrupts the driver if it asked; a broken ring needs a reset.
function finish(dev: u32, q: u32, broken: bool): void {
  if (vqDevicePublish(q) == 1) raiseIsr(dev, VIRTIO_ISR_VRING);
  if (broken) needsReset(dev);
}
