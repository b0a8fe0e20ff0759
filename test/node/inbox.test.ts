// A VM's inbox: the handshake pump wakes on the handshake settling, not on a timeout.
import { describe, expect, test, vi } from 'vitest';
import * as L from '../../assembly/layout.ts';
import { InboxReader, InboxWriter } from '../../src/server/inbox.ts';
import type { MessageSink, ServerMessage } from '../../src/server/protocol.ts';
import { frameMessage } from '../../src/server/ivshmem2-protocol.ts';

const BLOCK = 4096;

function inbox() {
  const memory = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
  return { writer: new InboxWriter(memory, BLOCK), reader: new InboxReader(memory, BLOCK) };
}

/** Settles one microtask after its `count`-th message, as ServerClient.setupAsync does. */
function handshake(count: number): { sink: MessageSink; settled: Promise<void>; got: ServerMessage[] } {
  const got: ServerMessage[] = [];
  let resolve!: () => void;
  const settled = new Promise<void>((r) => { resolve = r; });
  const sink: MessageSink = {
    receive(message) {
      got.push(message);
      if (got.length === count) queueMicrotask(resolve);
    },
    hangup() {},
  };
  return { sink, settled, got };
}

describe('inbox', () => {
  test('the handshake pump returns when the handshake settles, with no further arrival', async () => {
    const { writer, reader } = inbox();
    for (const value of [0n, 3n, -1n]) writer.receive({ value });
    const { sink, settled, got } = handshake(3);
    // Nothing else will ever arrive: a pump that waits for the next message (or a timeout) hangs.
    const arrival = vi.spyOn(reader, 'arrival').mockReturnValue(new Promise(() => {}));
    await reader.feedUntilSettled(sink, settled);
    expect(got.map((m) => m.value)).toEqual([0n, 3n, -1n]);
    expect(arrival.mock.calls.every(([timeout]) => timeout === undefined)).toBe(true);
  }, 10_000);

  test('messages that arrive while the pump waits are fed in order', async () => {
    const { writer, reader } = inbox();
    const { sink, settled, got } = handshake(3);
    const pumping = reader.feedUntilSettled(sink, settled);
    // More than the ring holds: the writer keeps the rest and writes them as the reader is done with some.
    const total = 2 * L.INBOX_ENTRIES + 2;
    for (let i = 0; i < total; i++) writer.receive({ value: BigInt(i) });
    await pumping;
    while (got.length < total) {
      reader.drain(sink);
      await reader.arrival();
    }
    expect(got.map((m) => m.value)).toEqual(Array.from({ length: total }, (_, i) => BigInt(i)));
  }, 10_000);
});

describe('inbox: version 2 messages', () => {
  // ivshmem2-server's messages are whole {le32 type, le32 len, ...} frames of any length, some with
  // a handle: each must reach the VM whole, in order, with its handle, however the ring wraps.
  test('frames of every length, interleaved with version 0 messages, arrive whole and in order', async () => {
    const { writer, reader } = inbox();
    const sent: ServerMessage[] = [];
    for (let i = 0; i < 3 * L.INBOX_ENTRIES; i++) {
      const length = i % 45;
      const bytes = Uint8Array.from({ length }, (_, b) => (i * 7 + b) & 0xff);
      // (slots below 64: in this small memory their words lie where nothing else is)
      const message = i % 5 === 0 ? { value: BigInt(-i) } : frameMessage(bytes, i % 3 === 0 ? { kind: 'eventfd', slot: i % 64 } : undefined);
      sent.push(message);
    }
    const got: ServerMessage[] = [];
    const sink: MessageSink = { receive: (m) => got.push(m), hangup() {} };
    for (const message of sent) writer.receive(message);
    while (got.length < sent.length) {
      reader.drain(sink);
      await reader.arrival();
    }
    expect(got.map((m) => ({ value: m.value, bytes: m.bytes && [...m.bytes], slot: m.handle?.kind === 'eventfd' ? m.handle.slot : undefined })))
      .toEqual(sent.map((m) => ({ value: m.value, bytes: m.bytes && [...m.bytes], slot: m.handle?.kind === 'eventfd' ? m.handle.slot : undefined })));
  }, 30_000);
});
