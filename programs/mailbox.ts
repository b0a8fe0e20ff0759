// The mailboxes of linux/ivshmem-uio.c, from a guest program: peer P's mailbox is the 256 bytes at
// P * 256 in the shared memory (u32 length, u32 sender, then up to 248 bytes of text), and a
// message is announced by ringing P's vector 0. A JavaScript VM talks to a Linux VM's
// `ivshmem-uio send`/`recv` with these. Run as a program, it answers `rounds` messages (default
// for ever, until the host stops it): each with "echo: <text>" to its sender.
import type { Guest } from '../src/index.ts';

export const MAILBOX = 256;
const TEXT = 8;

export function readMailbox(bytes: Uint8Array, id: number): { from: number; text: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset + id * MAILBOX, MAILBOX);
  const length = Math.min(view.getUint32(0, true), MAILBOX - TEXT);
  const text = new TextDecoder().decode(bytes.slice(id * MAILBOX + TEXT, id * MAILBOX + TEXT + length));
  return { from: view.getUint32(4, true), text };
}

export function writeMailbox(bytes: Uint8Array, id: number, from: number, text: string): void {
  const data = new TextEncoder().encode(text).slice(0, MAILBOX - TEXT);
  bytes.set(data, id * MAILBOX + TEXT);
  const view = new DataView(bytes.buffer, bytes.byteOffset + id * MAILBOX, MAILBOX);
  view.setUint32(4, from, true);
  view.setUint32(0, data.length, true);
}

/** Sends `text` to `peer`'s mailbox and rings it. */
export function send(vm: Guest, peer: number, text: string): void {
  writeMailbox(vm.device.memoryBar.bytes!, peer, vm.id, text);
  vm.ring(peer, 0);
}

/**
 * Waits for a doorbell and reads this VM's mailbox. On the legacy and 2010 devices the interrupt
 * is INTx: reading IntrStatus (BAR0 0x04) clears it, as the Linux tool's handler does.
 */
export function receive(vm: Guest, timeoutMs: number): { from: number; text: string } | undefined {
  const vector = vm.wait({ timeoutMs });
  if (vector < 0) return undefined;
  if (vm.device.layout.intx) vm.device.bar(0).read(4, 4);
  return readMailbox(vm.device.memoryBar.bytes!, vm.id);
}

export default async function main(vm: Guest, arg: { rounds?: number; timeoutMs?: number } = {}): Promise<string[]> {
  vm.bringUp();
  const heard: string[] = [];
  while (arg.rounds === undefined || heard.length < arg.rounds) {
    if (vm.stopping) break;
    const message = receive(vm, arg.timeoutMs ?? 1000);
    if (!message) continue;
    vm.log(`from ${message.from}: ${message.text}`);
    heard.push(message.text);
    send(vm, message.from, `echo: ${message.text}`);
  }
  return heard;
}
