// Sizes as QEMU's qemu_strtosz reads them: a decimal (optionally with a fraction) or 0x hex
// number, then an optional suffix B, K, M, G, T, P or E (case-insensitive, powers of 1024).

const SUFFIX: Record<string, number> = { b: 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 };

/** Returns the size in bytes as a bigint, or undefined when the text is not a size. */
export function parseSize(text: string, defaultSuffix: 'b' | 'm' = 'b'): bigint | undefined {
  const match = /^\s*(0x[0-9a-f]+|[0-9]+(?:\.[0-9]+)?)([bkmgtpe]?)$/i.exec(text);
  if (!match) return undefined;
  const [, number, suffix] = match;
  const shift = BigInt(SUFFIX[(suffix || defaultSuffix).toLowerCase()]);
  if (number.includes('.')) {
    if (shift === 0n) return undefined;
    const [whole, fraction] = number.split('.');
    const scale = 10n ** BigInt(fraction.length);
    return (BigInt(whole) * scale + BigInt(fraction)) * (1n << shift) / scale;
  }
  const value = BigInt(number) << shift;
  return value < 1n << 64n ? value : undefined;
}

export function formatSize(bytes: number): string {
  for (const [unit, shift] of [['G', 30], ['M', 20], ['K', 10]] as const) {
    if (bytes >= 2 ** shift && bytes % 2 ** shift === 0) return `${bytes / 2 ** shift}${unit}`;
  }
  return `${bytes}`;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
