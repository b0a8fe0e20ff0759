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

/** uint32 properties (`vectors`). */
export function parseUint32(name: string, value: string): number {
  const n = /^(0x[0-9a-f]+|[0-9]+)$/i.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) {
    throw new QemuError(`Parameter '${name}' expects uint32_t`);
  }
  return n;
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** QEMU's rule for ids of objects, devices and chardevs: a letter, then letters, digits, - . _ */
export function checkId(id: unknown): string {
  if (id === undefined) throw new QemuError("Parameter 'id' is missing");
  if (typeof id !== 'string' || !IDENTIFIER.test(id)) throw new QemuError("Parameter 'id' expects an identifier");
  return id;
}
