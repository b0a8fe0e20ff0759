/**
 * An error QEMU would report, with QEMU's own wording: bad options at realize time, a server
 * protocol violation, a refused migration. Nothing was changed when one is thrown.
 */
export class QemuError extends Error {
  override name = 'QemuError';
}

/** A guest access the device does not decode: a bad width, offset or BAR. Nothing was changed. */
export class AccessError extends RangeError {
  override name = 'AccessError';
}

/**
 * A caller's value as an error message shows it. Template literals throw a raw TypeError on a
 * Symbol or an object without a prototype; an API that refuses bad input must not.
 */
export function show(value: unknown): string {
  switch (typeof value) {
    case 'string': return `'${value}'`;
    case 'symbol': return value.toString();
    case 'function': return 'a function';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      return value instanceof Uint8Array ? 'a Uint8Array' : 'an object';
    default: return String(value);
  }
}

/** A public call's argument check: an integer in [min, max], or a QemuError naming it. */
export function checkInteger(what: string, value: unknown, min: number, max: number, make: new (message: string) => Error = QemuError): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new make(`${what} must be an integer from ${min} to ${max}, not ${show(value)}`);
  }
  return value;
}

/** A public call's argument check: an object (not null, not an array), or a QemuError naming it. */
export function checkObject(what: string, value: unknown, make: new (message: string) => Error = QemuError): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new make(`${what} must be an object, not ${show(value)}`);
  return value as Record<string, unknown>;
}

/** A public call's argument check: a string, or a QemuError naming it. */
export function checkString(what: string, value: unknown): string {
  if (typeof value !== 'string') throw new QemuError(`${what} must be a string, not ${show(value)}`);
  return value;
}
