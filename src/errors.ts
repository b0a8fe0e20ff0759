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
