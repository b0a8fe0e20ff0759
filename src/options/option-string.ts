// QEMU's option strings: `driver,key=value,...` as -device and -object take them. A value's comma
// is written twice (`mem-path=/a,,b`); a bare key means key=on, as QemuOpts reads it.
import { QemuError } from '../errors.ts';

export interface OptionString {
  /** the first element: the device model or object type */
  driver: string;
  /** keys in the order given; a repeated key keeps its last value */
  props: Map<string, string>;
}

export function parseOptionString(text: string, what: 'device' | 'object'): OptionString {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new QemuError(`${what === 'device' ? "Parameter 'driver'" : "Parameter 'qom-type'"} is missing`);
  }
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === ',' && text[i + 1] === ',') {
      current += ',';
      i++;
    } else if (ch === ',') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  const [driver, ...rest] = parts;
  if (driver === '' || driver.includes('=')) {
    throw new QemuError(`${what === 'device' ? "Parameter 'driver'" : "Parameter 'qom-type'"} is missing`);
  }
  const props = new Map<string, string>();
  for (const part of rest) {
    if (part === '') throw new QemuError(`Invalid parameter ''`);
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (key === '') throw new QemuError(`Invalid parameter '${part}'`);
    props.set(key, eq < 0 ? 'on' : part.slice(eq + 1));
  }
  return { driver, props };
}

/** QEMU's bool properties: on/off and the synonyms its keyval parser accepts. */
export function parseBool(name: string, value: string): boolean {
  if (['on', 'yes', 'true', 'y'].includes(value)) return true;
  if (['off', 'no', 'false', 'n'].includes(value)) return false;
  throw new QemuError(`Parameter '${name}' expects 'on' or 'off'`);
}

/** OnOffAuto properties (`master`). */
export function parseOnOffAuto(name: string, value: string): 'on' | 'off' | 'auto' {
  if (value === 'on' || value === 'off' || value === 'auto') return value;
  throw new QemuError(`Parameter '${name}' does not accept value '${value}'`);
}

/**
 * uint32 properties (`vectors`), as QEMU 7.2's keyval visitor reads them: qemu_strtou64 with base
 * 0 (`0x` hex, a leading `0` octal, else decimal; leading spaces and a sign allowed, `-1` wrapping
 * to 2^64 - 1), the whole string a number or "expects integer"; then visit_type_uint32's range
 * check, "expects uint32_t".
 */
export function parseUint32(name: string, value: string): number {
  const n = strtou64(value);
  if (n === undefined) throw new QemuError(`Parameter '${name}' expects integer`);
  if (n > 0xffffffffn) throw new QemuError(`Parameter '${name}' expects uint32_t`);
  return Number(n);
}

/** A uint64 qdev property, as QEMU parses it (qemu_strtou64, base 0; a leading '-' wraps round). */
export function parseUint64(name: string, value: string): bigint {
  const n = strtou64(value);
  if (n === undefined) throw new QemuError(`Parameter '${name}' expects integer`);
  return n;
}

// strtoull(value, &end, 0) that must consume all of value and not overflow.
function strtou64(value: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(value);
  if (!m) return undefined;
  const digits = m[2];
  const n = /^0[xX]/.test(digits) ? BigInt(digits) : digits.startsWith('0') ? BigInt(`0o${digits.slice(1) || '0'}`) : BigInt(digits);
  if (n > 0xffff_ffff_ffff_ffffn) return undefined;
  return m[1] === '-' ? BigInt.asUintN(64, -n) : n;
}

/**
 * The order QEMU 7.2 sets -device properties in: qemu_opts_to_qdict puts them in a QDict, whose
 * iteration runs through its 512 buckets (tdb_hash of the key) in order, newest first within a
 * bucket. So with several bad properties, the first error QEMU reports depends on the names.
 */
export function qdictOrder(keys: string[]): string[] {
  const bucket = (key: string) => {
    let value = Math.imul(0x238f13af, key.length) >>> 0;
    for (let i = 0; i < key.length; i++) value = (value + ((key.charCodeAt(i) << ((i * 5) % 24)) >>> 0)) >>> 0;
    return ((Math.imul(1103515243, value) + 12345) >>> 0) % 512;
  };
  return keys.map((key, index) => ({ key, index, bucket: bucket(key) }))
    .sort((a, b) => a.bucket - b.bucket || b.index - a.index)
    .map((e) => e.key);
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** QEMU's rule for ids of objects, devices and chardevs: a letter, then letters, digits, - . _ */
export function checkId(id: unknown): string {
  if (id === undefined) throw new QemuError("Parameter 'id' is missing");
  if (typeof id !== 'string' || !IDENTIFIER.test(id)) throw new QemuError("Parameter 'id' expects an identifier");
  return id;
}
