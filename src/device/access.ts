// Checking a guest access before it reaches the core: the width is one the region decodes, the
// offset is aligned and inside the region, the value fits the width. A refused access throws an
// AccessError and changes nothing.
import { AccessError } from '../errors.ts';

export type Width = 1 | 2 | 4 | 8;

export interface AccessRules {
  /** what the region is called in messages: "config space", "BAR0 of ivshmem-plain" */
  name: string;
  size: number;
  widths: readonly Width[];
  /** why only these widths, said when a width is refused */
  widthReason: string;
}

export function checkAccess(rules: AccessRules, offset: number, width: number): asserts width is Width {
  if (!rules.widths.includes(width as Width)) {
    throw new AccessError(`${rules.name}: ${width}-byte access refused: ${rules.widthReason}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + width > rules.size) {
    throw new AccessError(`${rules.name}: offset ${offset} is outside the region (${rules.size} bytes)`);
  }
  if (offset % width !== 0) {
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
  throw new AccessError(`${rules.name}: value ${value} does not fit a ${width}-byte access`);
}
