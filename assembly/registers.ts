// BAR0 register decoding, one small function per register operation. The caller
// (src/device/access.ts) hands over 4-byte accesses at any offset, as QEMU's memory core hands
// them to ivshmem_io_read/ivshmem_io_write: a read decodes its exact offset (an unaligned one
// reads 0), a write is decoded at its offset rounded down to the dword (`addr &= 0xfc`).
import {
  DEV_INTRMASK, DEV_INTRSTATUS, DEV_VM_ID, DEV_MODEL, DEV_FEATURES, DEV_PEER_COUNT, FEATURE_INTX,
  MODEL_2010, MODEL_FLAT, MODEL_V2, FEATURE_X_PEERS, FEATURE_X_NAME, NAME_SIZE, DEV_NAME,
} from './device-layout';
import {
  REG_INTRMASK, REG_INTRSTATUS, REG_IVPOSITION, REG_DOORBELL, REG2010_INTRMASK, REG2010_INTRSTATUS,
  REG2010_DOORBELL, REG2010_IVPOSITION, REG2010_IVLIVELIST, REG_X_PEERS, REG_X_PEERS_WORDS,
  REG_X_NAME,
} from './pci-layout';
import { updateIntx } from './intx';
import { ringDoorbell, ringDoorbell2010 } from './doorbell';
import { peerIdAt } from './peers';
import { flatRead, flatWrite } from './ivshmem-flat';
import { v2Read, v2Write } from './ivshmem-v2';

function usesIntx(dev: u32): bool {
  return (atomic.load<i32>(dev + DEV_FEATURES) & FEATURE_INTX) != 0;
}

function intrMaskWrite(dev: u32, value: u32, width: u32): void {
  atomic.store<i32>(dev + DEV_INTRMASK, value & width);
  if (usesIntx(dev)) updateIntx(dev);
}

function intrStatusWrite(dev: u32, value: u32, width: u32): void {
  atomic.store<i32>(dev + DEV_INTRSTATUS, value & width);
  if (usesIntx(dev)) updateIntx(dev);
}

// Reading IntrStatus clears it (and so lowers INTx).
function intrStatusRead(dev: u32): u32 {
  const value = <u32>atomic.xchg<i32>(dev + DEV_INTRSTATUS, 0);
  if (usesIntx(dev)) updateIntx(dev);
  return value;
}

// IVLiveList (2010): one bit per live guest ID below 16, this guest included.
function liveList(dev: u32): u32 {
  let bits: u32 = 0;
  const count = <u32>load<i32>(dev + DEV_PEER_COUNT);
  for (let i: u32 = 0; i < count; i++) {
    const id = <u32>peerIdAt(dev, i);
    if (id < 16) bits |= 1 << id;
  }
  const self = load<i32>(dev + DEV_VM_ID);
  if (self >= 0 && self < 16) bits |= 1 << self;
  return bits;
}

// x-peers: bit (id & 31) of word (id >> 5) for every live peer below 256, this device included.
function peerWord(dev: u32, word: u32): u32 {
  let bits: u32 = 0;
  const count = <u32>load<i32>(dev + DEV_PEER_COUNT);
  for (let i: u32 = 0; i < count; i++) {
    const id = <u32>peerIdAt(dev, i);
    if (id >> 5 == word) bits |= 1 << (id & 31);
  }
  return bits;
}

function extensionRead(dev: u32, offset: u32): u32 {
  if ((offset & 3) != 0) return 0;
  const features = atomic.load<i32>(dev + DEV_FEATURES);
  if ((features & FEATURE_X_PEERS) != 0 && offset >= <u32>REG_X_PEERS && offset < <u32>(REG_X_PEERS + REG_X_PEERS_WORDS * 4)) {
    return peerWord(dev, (offset - REG_X_PEERS) >> 2);
  }
  if ((features & FEATURE_X_NAME) != 0 && offset >= <u32>REG_X_NAME && offset < <u32>(REG_X_NAME + NAME_SIZE)) {
    return load<u32>(dev + DEV_NAME + offset - REG_X_NAME);
  }
  return 0;
}

function read32(dev: u32, offset: u32): u32 {
  if (offset == REG_INTRMASK) return <u32>atomic.load<i32>(dev + DEV_INTRMASK);
  if (offset == REG_INTRSTATUS) return intrStatusRead(dev);
  if (offset == REG_IVPOSITION) return <u32>atomic.load<i32>(dev + DEV_VM_ID);
  return extensionRead(dev, offset);
}

function write32(dev: u32, offset: u32, value: u32): void {
  if (offset == REG_INTRMASK) intrMaskWrite(dev, value, 0xffffffff);
  else if (offset == REG_INTRSTATUS) intrStatusWrite(dev, value, 0xffffffff);
  else if (offset == REG_DOORBELL) ringDoorbell(dev, value);
}

function read16(dev: u32, offset: u32): u32 {
  if (offset == REG2010_INTRMASK) return <u32>atomic.load<i32>(dev + DEV_INTRMASK);
  if (offset == REG2010_INTRSTATUS) return intrStatusRead(dev);
  if (offset == REG2010_IVPOSITION) return <u32>atomic.load<i32>(dev + DEV_VM_ID) & 0xffff;
  if (offset == REG2010_IVLIVELIST) return liveList(dev);
  return 0;
}

function write16(dev: u32, offset: u32, value: u32): void {
  if (offset == REG2010_INTRMASK) intrMaskWrite(dev, value, 0xffff);
  else if (offset == REG2010_INTRSTATUS) intrStatusWrite(dev, value, 0xffff);
  else if (offset == REG2010_DOORBELL) ringDoorbell2010(dev, value & 0xffff);
}

// The register BAR of every model, or ivshmem-flat's register window (assembly/ivshmem-flat.ts), or
// ivshmem-v2's registers (assembly/ivshmem-v2.ts).
export function bar0Read(dev: u32, offset: u32): u32 {
  const model = load<i32>(dev + DEV_MODEL);
  if (model == MODEL_FLAT) return flatRead(dev, offset);
  if (model == MODEL_V2) return v2Read(dev, offset);
  return model == MODEL_2010 ? read16(dev, offset) : read32(dev, offset);
}

export function bar0Write(dev: u32, offset: u32, value: u32): void {
  const model = load<i32>(dev + DEV_MODEL);
  if (model == MODEL_FLAT) flatWrite(dev, offset, value);
  else if (model == MODEL_V2) v2Write(dev, offset, value);
  else if (model == MODEL_2010) write16(dev, offset, value);
  else write32(dev, offset & 0xfc, value);
}
