// A whole playground session (the server's setup, each VM's -device string and program, the
// scenario it started from) as JSON, compressed (deflate-raw, CompressionStream) into the URL's
// fragment: `#session=<base64url>`. Links are checked before anything is built: too long, not
// base64url, not deflate, not JSON, or not a session, each gets its own clear message.
import { QemuError } from '../../src/index.ts';
import type { Accel } from '../app/workbench.ts';

/** `arg`: what Run passes the program as its argument (a scenario program's, kept with it). */
export interface SessionVm { device: string; source: string; arg?: unknown }
export interface Session { version: 1; setup: { vectors: number; size: string; accel?: Accel }; scenario?: string; vms: SessionVm[] }

export class SessionError extends QemuError {}

/** Longest fragment accepted (characters), and largest session once inflated (bytes). */
export const MAX_LINK = 64 * 1024;
export const MAX_SESSION = 512 * 1024;
const MAX_VMS = 16;

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(stream).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new SessionError(`the session is larger than ${limit / 1024} KiB once unpacked`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SessionError('the link is damaged: its session is not base64url text (was it cut or changed?)');
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/') + '==='.slice((text.length + 3) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export async function encodeSession(session: Session): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(session));
  return toBase64Url(await pipe(json, new CompressionStream('deflate-raw'), Infinity));
}

/** Checks a parsed value is a session, with a message that says what is wrong. */
export function checkSession(value: unknown): Session {
  const s = value as Session;
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw new SessionError('not a session: expected an object');
  if (s.version !== 1) throw new SessionError(`unknown session version ${JSON.stringify(s.version)} (this page reads version 1)`);
  const setup = s.setup;
  if (!setup || !Number.isInteger(setup.vectors) || setup.vectors < 1 || setup.vectors > 64 || typeof setup.size !== 'string' || !/^\d+[KMG]?$/i.test(setup.size)) {
    throw new SessionError('the session\'s setup is not valid: vectors must be 1 to 64 and size like "4M"');
  }
  if (setup.accel !== undefined && setup.accel !== 'kvm' && setup.accel !== 'tcg') throw new SessionError('the session\'s accelerator must be "kvm" or "tcg"');
  if (!Array.isArray(s.vms) || s.vms.length > MAX_VMS) throw new SessionError(`the session must list its VMs (at most ${MAX_VMS})`);
  s.vms.forEach((vm, i) => {
    if (!vm || typeof vm.device !== 'string' || typeof vm.source !== 'string') throw new SessionError(`VM ${i + 1} of the session needs a device string and a program`);
  });
  if (s.scenario !== undefined && typeof s.scenario !== 'string') throw new SessionError('the session\'s scenario must be a name');
  return { version: 1, setup: { vectors: setup.vectors, size: setup.size, accel: setup.accel }, scenario: s.scenario, vms: s.vms.map((v) => ({ device: v.device, source: v.source, ...(v.arg !== undefined ? { arg: v.arg } : {}) })) };
}

export async function decodeSession(text: string): Promise<Session> {
  if (text.length > MAX_LINK) throw new SessionError(`the link is too long (${text.length.toLocaleString('en')} characters; at most ${MAX_LINK.toLocaleString('en')})`);
  const packed = fromBase64Url(text);
  let json: Uint8Array;
  try {
    json = await pipe(packed, new DecompressionStream('deflate-raw'), MAX_SESSION);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new SessionError('the link is damaged: its session does not unpack (was it cut or changed?)');
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(json));
  } catch {
    throw new SessionError('the link is damaged: its session is not JSON');
  }
  return checkSession(value);
}

/** The session in a location's fragment, if there is one. */
export function sessionInFragment(hash: string): string | undefined {
  const match = hash.match(/^#session=(.*)$/s);
  return match ? match[1] : undefined;
}
