// Checking a guest access before it reaches the core: the width is one the region decodes, the
// offset is inside the region (and aligned, where the region asks for it), the value fits the
// width. A refused access throws an AccessError and changes nothing. Then, for the regions QEMU
// implements as MMIO, the access is cut into the pieces QEMU's memory core would hand the device.
import { AccessError, show } from '../errors.ts';

export type Width = 1 | 2 | 4 | 8;

export interface AccessRules {
  /** what the region is called in messages: "config space", "BAR0 of ivshmem-plain" */
  name: string;
  size: number;
  widths: readonly Width[];
  /** why only these widths, said when a width is refused */
  widthReason: string;
  /** refuse accesses not aligned to their width (default true) */
  aligned?: boolean;
}

export function checkAccess(rules: AccessRules, offset: number, width: number): asserts width is Width {
  if (!rules.widths.includes(width as Width)) {
    throw new AccessError(`${rules.name}: ${show(width)}-byte access refused: ${rules.widthReason}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + width > rules.size) {
    throw new AccessError(`${rules.name}: offset ${show(offset)} is outside the region (${rules.size} bytes)`);
  }
  if (rules.aligned !== false && offset % width !== 0) {
    throw new AccessError(`${rules.name}: ${width}-byte access at offset ${offset} is not aligned`);
  }
}

/** The value as the access carries it: a number up to 4 bytes, a bigint for 8. */
export function checkValue(rules: AccessRules, width: Width, value: number | bigint): number | bigint {
  if (width < 8) {
    const n = typeof value === 'bigint' ? Number(value) : value;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 2 ** (width * 8)) return n;
  } else {
    const v = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : undefined;
    if (v !== undefined && v >= 0n && v < 1n << 64n) return v;
  }
  throw new AccessError(`${rules.name}: value ${show(value)} does not fit a ${width}-byte access`);
}

/** How a QEMU MemoryRegionOps takes accesses: `valid` sizes reach the device, `impl` is what its handlers implement. */
export interface MmioOps {
  validMin: number;
  validMax: number;
  implMin: number;
  implMax: number;
}

/** hw/misc/ivshmem.c's BAR0: impl 4..4, valid left at QEMU's default 1..4. */
export const IVSHMEM_MMIO: MmioOps = { validMin: 1, validMax: 4, implMin: 4, implMax: 4 };
/** hw/pci/msix.c's table and PBA: valid 4..8, impl up to 4. */
export const MSIX_MMIO: MmioOps = { validMin: 4, validMax: 8, implMin: 1, implMax: 4 };

interface Piece { at: number; size: number }

// flatview_{read,write}_continue + memory_access_size: an access goes out in pieces no wider than
// valid.max_access_size and no wider than the alignment of their address.
function pieces(offset: number, width: number, ops: MmioOps): Piece[] {
  const out: Piece[] = [];
  for (let at = offset, left = width; left > 0;) {
    const align = at & -at;
    const max = align !== 0 && align < ops.validMax ? align : ops.validMax;
    const size = 2 ** Math.floor(Math.log2(Math.min(left, max)));
    out.push({ at, size });
    at += size;
    left -= size;
  }
  return out;
}

// memory_region_access_valid + access_with_adjusted_size: a piece narrower than valid.min is not
// decoded (reads 0, writes are dropped); the rest reach the handler as impl-sized accesses at the
// piece's address, zero-extended or truncated to the piece.
function handlerCalls(piece: Piece, ops: MmioOps): Piece[] {
  if (piece.size < ops.validMin) return [];
  const size = Math.max(Math.min(piece.size, ops.implMax), ops.implMin);
  const calls: Piece[] = [];
  for (let i = 0; i < piece.size; i += size) calls.push({ at: piece.at + i, size });
  return calls;
}

/** A read of `width` bytes at `offset` as QEMU's memory core performs it on a region with `ops`. */
export function mmioRead(ops: MmioOps, offset: number, width: number, read: (at: number, size: number) => number): bigint {
  let value = 0n;
  for (const piece of pieces(offset, width, ops)) {
    let part = 0n;
    for (const call of handlerCalls(piece, ops)) {
      part |= BigInt(read(call.at, call.size) >>> 0) << BigInt((call.at - piece.at) * 8);
    }
    value |= (part & ((1n << BigInt(piece.size * 8)) - 1n)) << BigInt((piece.at - offset) * 8);
  }
  return value;
}

/** A write as QEMU's memory core performs it: each handler call gets its bytes of `value`, zero-extended. */
export function mmioWrite(ops: MmioOps, offset: number, width: number, value: bigint, write: (at: number, size: number, value: number) => void): void {
  for (const piece of pieces(offset, width, ops)) {
    const part = (value >> BigInt((piece.at - offset) * 8)) & ((1n << BigInt(piece.size * 8)) - 1n);
    for (const call of handlerCalls(piece, ops)) {
      const mask = (1n << BigInt(Math.min(call.size, piece.size) * 8)) - 1n;
      write(call.at, call.size, Number((part >> BigInt((call.at - piece.at) * 8)) & mask));
    }
  }
}
