// The virtio-mmio transport, version 2 (virtio 1.x section 4.2.2), as QEMU's hw/virtio/virtio-mmio.c
// decodes it: one small function per register operation. Registers below 0x100 are 32-bit (an
// access of another width reads 0 and writes nothing); the device's config space from 0x100 takes
// 1, 2 and 4 bytes.
// Read-only registers ignore writes, write-only ones read 0, unknown offsets read 0 and ignore
// writes, as QEMU does. The only device behind this transport is virtio-sdm (assembly/sdm.ts).
//
// The transport calls the device through a few hooks: its config space (sdmConfigRead,
// sdmConfigWrite), a queue made ready or notified (sdmQueueReady, sdmQueueNotify), its part of a
// reset (sdmReset) and of a realize (sdmSetup), and the signals waiting for hg_vq
// (sdmTakeIncoming). The device raises its interrupts through virtio-mmio-irq.ts alone.
//
// The interrupt line (virtio-mmio-irq.ts) is high while InterruptStatus is non-zero; `vm.wait()`
// sees it as vector 0. Reading InterruptStatus, and acknowledging it, move incoming signals into
// hg_vq (sdm.ts): a driver's interrupt handler does both before it looks at its used rings.
import { DEV_INTRMASK, DEV_INTRSTATUS } from './device-layout';
import {
  VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_VERSION, VIRTIO_MMIO_DEVICE_ID, VIRTIO_MMIO_VENDOR_ID,
  VIRTIO_MMIO_DEVICE_FEATURES, VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_DRIVER_FEATURES,
  VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_QUEUE_SEL, VIRTIO_MMIO_QUEUE_NUM_MAX,
  VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_READY, VIRTIO_MMIO_QUEUE_NOTIFY,
  VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_STATUS,
  VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH,
  VIRTIO_MMIO_SHM_LEN_LOW, VIRTIO_MMIO_SHM_LEN_HIGH, VIRTIO_MMIO_CONFIG_GENERATION,
  VIRTIO_MMIO_CONFIG, VIRT_MAGIC, VIRT_VERSION, VIRTIO_QUEUE_MAX, VMMIO_STATUS,
  VMMIO_DEVICE_FEATURES_SEL, VMMIO_DRIVER_FEATURES_SEL, VMMIO_DRIVER_FEATURES, VMMIO_QUEUE_SEL,
  VMMIO_GENERATION, VMMIO_QUEUES, VMMIO_QUEUE_STRIDE, VMMIO_QUEUE_NUM, VMMIO_QUEUE_READY,
  VMMIO_QUEUE_DESC, VMMIO_QUEUE_DRIVER, VMMIO_QUEUE_DEVICE, VIRTIO_STATUS_FEATURES_OK,
  VIRTIO_STATUS_NEEDS_RESET, VIRTIO_STATUS_DRIVER_OK,
} from './virtio-mmio-layout';
import {
  VIRTIO_ID_SDM, SDM_VENDOR_ID, SDM_QUEUES, SDM_QUEUE_NUM_MAX, SDM_FEATURES_LOW, SDM_FEATURES_HIGH,
  SDM_HG_VQ,
} from './sdm-layout';
import { updateIntx } from './intx';
import {
  sdmConfigRead, sdmConfigWrite, sdmQueueNotify, sdmQueueReady, sdmReset, sdmSetup, sdmTakeIncoming,
} from './sdm';

// ---- interrupt status ----

function interruptStatus(dev: u32): u32 {
  sdmTakeIncoming(dev);
  return <u32>atomic.load<i32>(dev + DEV_INTRSTATUS);
}

// After the acknowledgement the lanes are looked at again: a signal whose raise the driver just
// acknowledged was in its lane before the raise, so it is in hg_vq before the driver re-enables
// interrupts and checks its used ring; one raised later keeps the line high.
function interruptAck(dev: u32, value: u32): void {
  atomic.and<i32>(dev + DEV_INTRSTATUS, ~value);
  updateIntx(dev);
  sdmTakeIncoming(dev);
}

// ---- features ----

function deviceFeatures(dev: u32): u32 {
  return load<i32>(dev + VMMIO_DEVICE_FEATURES_SEL) == 0 ? SDM_FEATURES_LOW : SDM_FEATURES_HIGH;
}

function deviceFeaturesSelWrite(dev: u32, value: u32): void {
  store<i32>(dev + VMMIO_DEVICE_FEATURES_SEL, value != 0 ? 1 : 0);
}

function driverFeaturesWrite(dev: u32, value: u32): void {
  store<u32>(dev + VMMIO_DRIVER_FEATURES + (load<i32>(dev + VMMIO_DRIVER_FEATURES_SEL) << 2), value);
}

function driverFeaturesSelWrite(dev: u32, value: u32): void {
  store<i32>(dev + VMMIO_DRIVER_FEATURES_SEL, value != 0 ? 1 : 0);
}

// FEATURES_OK is accepted only for a subset of what the device offers that includes
// VIRTIO_F_VERSION_1: a version 2 transport has no legacy interface to fall back to.
function featuresAcceptable(dev: u32): bool {
  const low = load<u32>(dev + VMMIO_DRIVER_FEATURES);
  const high = load<u32>(dev + VMMIO_DRIVER_FEATURES + 4);
  if ((low & ~SDM_FEATURES_LOW) != 0 || (high & ~SDM_FEATURES_HIGH) != 0) return false;
  return (high & SDM_FEATURES_HIGH) == SDM_FEATURES_HIGH;
}

// ---- device status ----

// Writing 0 resets the device. Setting FEATURES_OK with features the device refuses leaves the
// whole status unchanged (QEMU's virtio_set_status fails before storing it); the driver sees
// FEATURES_OK clear when it reads the status back. NEEDS_RESET belongs to the device and stays.
function statusWrite(dev: u32, value: u32): void {
  const old = atomic.load<i32>(dev + VMMIO_STATUS);
  const next = <i32>(value & 0xff);
  // Resetting a device that is already in its reset state changes nothing: signals that came
  // before the driver's first initialization wait for it rather than being discarded.
  if (next == 0) {
    if (old != 0) virtioMmioReset(dev);
    return;
  }
  const settingFeaturesOk = (next & VIRTIO_STATUS_FEATURES_OK) != 0 && (old & VIRTIO_STATUS_FEATURES_OK) == 0;
  if (settingFeaturesOk && !featuresAcceptable(dev)) return;
  atomic.store<i32>(dev + VMMIO_STATUS, next | (old & VIRTIO_STATUS_NEEDS_RESET));
  // Signals that arrived before the driver was running go out now.
  if ((next & VIRTIO_STATUS_DRIVER_OK) != 0 && (old & VIRTIO_STATUS_DRIVER_OK) == 0) sdmQueueNotify(dev, SDM_HG_VQ);
}

// ---- queues ----

function queueSelWrite(dev: u32, value: u32): void {
  if (value < <u32>VIRTIO_QUEUE_MAX) store<u32>(dev + VMMIO_QUEUE_SEL, value);
}

// The selected queue's state, or 0 when the selected queue does not exist.
function selectedQueue(dev: u32): u32 {
  const sel = load<u32>(dev + VMMIO_QUEUE_SEL);
  return sel < <u32>SDM_QUEUES ? dev + VMMIO_QUEUES + sel * VMMIO_QUEUE_STRIDE : 0;
}

function queueNumMax(dev: u32): u32 {
  return selectedQueue(dev) != 0 ? SDM_QUEUE_NUM_MAX : 0;
}

// A split ring's size is a power of two no larger than QueueNumMax; other sizes are ignored.
function queueNumWrite(dev: u32, value: u32): void {
  const q = selectedQueue(dev);
  if (q == 0 || value == 0 || value > <u32>SDM_QUEUE_NUM_MAX || (value & (value - 1)) != 0) return;
  store<u32>(q + VMMIO_QUEUE_NUM, value);
}

function queueReadyRead(dev: u32): u32 {
  const q = selectedQueue(dev);
  return q != 0 ? atomic.load<u32>(q + VMMIO_QUEUE_READY) : 0;
}

function queueReadyWrite(dev: u32, value: u32): void {
  const sel = load<u32>(dev + VMMIO_QUEUE_SEL);
  if (selectedQueue(dev) != 0) sdmQueueReady(dev, sel, value != 0);
}

// Queue addresses are guest addresses in the device's guest RAM, 64-bit as two halves.
// One half of one of the selected queue's three addresses: `at` is its place in the queue's state.
function queueAddressWrite(dev: u32, at: u32, value: u32): void {
  const q = selectedQueue(dev);
  if (q != 0) store<u32>(q + at, value);
}

function queueNotify(dev: u32, value: u32): void {
  if (value < <u32>SDM_QUEUES) sdmQueueNotify(dev, value);
}

// ---- decoding ----

// Below the config space every register is 32-bit: virtio_mmio_read and virtio_mmio_write ignore
// ("wrong size access to register!") an access of another width, which reads 0 and writes nothing.
export function virtioMmioRead(dev: u32, offset: u32, size: u32): u32 {
  if (offset >= <u32>VIRTIO_MMIO_CONFIG) return sdmConfigRead(dev, offset - VIRTIO_MMIO_CONFIG, size);
  if (size != 4) return 0;
  switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE: return VIRT_MAGIC;
    case VIRTIO_MMIO_VERSION: return VIRT_VERSION;
    case VIRTIO_MMIO_DEVICE_ID: return VIRTIO_ID_SDM;
    case VIRTIO_MMIO_VENDOR_ID: return SDM_VENDOR_ID;
    case VIRTIO_MMIO_DEVICE_FEATURES: return deviceFeatures(dev);
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return queueNumMax(dev);
    case VIRTIO_MMIO_QUEUE_READY: return queueReadyRead(dev);
    case VIRTIO_MMIO_INTERRUPT_STATUS: return interruptStatus(dev);
    case VIRTIO_MMIO_STATUS: return <u32>atomic.load<i32>(dev + VMMIO_STATUS);
    case VIRTIO_MMIO_CONFIG_GENERATION: return <u32>atomic.load<i32>(dev + VMMIO_GENERATION);
    // No shared memory regions: a length of all ones says so (QEMU's answer).
    case VIRTIO_MMIO_SHM_LEN_LOW: return 0xffffffff;
    case VIRTIO_MMIO_SHM_LEN_HIGH: return 0xffffffff;
  }
  return 0;
}

export function virtioMmioWrite(dev: u32, offset: u32, size: u32, value: u32): void {
  if (offset >= <u32>VIRTIO_MMIO_CONFIG) {
    sdmConfigWrite(dev, offset - VIRTIO_MMIO_CONFIG, size, value);
    return;
  }
  if (size != 4) return;
  // QueueDescLow/High, QueueDriverLow/High, QueueDeviceLow/High (0x080, 0x084, 0x090, ... 0x0a4):
  // the low and high halves of the queue's desc, driver and device addresses, u64s in that order
  // in the queue's state. One call for the six, which the optimizer would otherwise copy six times.
  if (offset >= <u32>VIRTIO_MMIO_QUEUE_DESC_LOW && offset <= <u32>VIRTIO_MMIO_QUEUE_DEVICE_HIGH && (offset & 0xb) == 0) {
    queueAddressWrite(dev, VMMIO_QUEUE_DESC + ((offset - VIRTIO_MMIO_QUEUE_DESC_LOW) >> 4) * 8 + (offset & 4), value);
    return;
  }
  switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: deviceFeaturesSelWrite(dev, value); break;
    case VIRTIO_MMIO_DRIVER_FEATURES: driverFeaturesWrite(dev, value); break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: driverFeaturesSelWrite(dev, value); break;
    case VIRTIO_MMIO_QUEUE_SEL: queueSelWrite(dev, value); break;
    case VIRTIO_MMIO_QUEUE_NUM: queueNumWrite(dev, value); break;
    case VIRTIO_MMIO_QUEUE_READY: queueReadyWrite(dev, value); break;
    case VIRTIO_MMIO_QUEUE_NOTIFY: queueNotify(dev, value); break;
    case VIRTIO_MMIO_INTERRUPT_ACK: interruptAck(dev, value); break;
    case VIRTIO_MMIO_STATUS: statusWrite(dev, value); break;
  }
}

// ---- reset and realize ----

// Writing 0 to Status, or a system reset (reset.ts): virtio_mmio_soft_reset + virtio_reset's
// transport part (every queue disabled, at its full size, addresses cleared; features and
// selectors back to 0; no interrupt pending), then the device's own part.
export function virtioMmioReset(dev: u32): void {
  atomic.store<i32>(dev + VMMIO_STATUS, 0);
  store<i32>(dev + VMMIO_DEVICE_FEATURES_SEL, 0);
  store<i32>(dev + VMMIO_DRIVER_FEATURES_SEL, 0);
  store<i64>(dev + VMMIO_DRIVER_FEATURES, 0);
  store<i32>(dev + VMMIO_QUEUE_SEL, 0);
  for (let i: u32 = 0; i < <u32>SDM_QUEUES; i++) {
    const q = dev + VMMIO_QUEUES + i * VMMIO_QUEUE_STRIDE;
    atomic.store<i32>(q + VMMIO_QUEUE_READY, 0);
    store<i32>(q + VMMIO_QUEUE_NUM, SDM_QUEUE_NUM_MAX);
    store<i64>(q + VMMIO_QUEUE_DESC, 0);
    store<i64>(q + VMMIO_QUEUE_DRIVER, 0);
    store<i64>(q + VMMIO_QUEUE_DEVICE, 0);
  }
  atomic.store<i32>(dev + DEV_INTRSTATUS, 0);
  updateIntx(dev);
  sdmReset(dev);
}

// At realize (the core's sdmInit): the device's setup (role, max_slaves,
// whether the guest program may run yet, which channel), the line following InterruptStatus alone
// (IntrMask all ones), then the reset a function starts from.
export function virtioMmioRealize(dev: u32, master: u32, slaves: u32, booted: u32, socket: u32): void {
  sdmSetup(dev, master, slaves, booted, socket);
  atomic.store<i32>(dev + DEV_INTRMASK, -1);
  virtioMmioReset(dev);
}
