// A VM's end of its chardev: the server's messages to a device that lives in a worker go through
// a ring in the device block rather than postMessage, so the device sees a peer's arrival even
// while its guest is parked in a blocking wait (QEMU's main loop handles the socket while the
// vCPU runs; here the VM drains its inbox before every doorbell and every wait).
//
// Its layout is drawn in assembly/inbox-layout.ts.
//
// A version 2 message (src/server/ivshmem2-protocol.ts) takes as many entries as it has 8-byte
// pieces, its handle and reference on the first; the host publishes them together, so the VM
// only ever sees whole messages.
//
// One producer (the host thread), one consumer (the VM's worker). When the ring is full the host
// keeps the rest in order and writes them as the VM makes room, so nothing is lost.
//
// A message carrying an eventfd holds a reference on it from the moment the server sends it until
// the VM's device is done with it, as SCM_RIGHTS keeps a file descriptor open in a socket: a peer
// that leaves before the VM drains its arrival cannot free the slot under it (the VM would call
// the server broken), nor let it be handed to someone else. The VM only publishes how far it is
// done (one store); the host drops the references, also for a VM killed at any instruction.
import * as L from '../../assembly/layout.ts';
import { eventfdRefIfLive, eventfdUnrefSlot } from '../core/eventfds.ts';
import { frameMessage } from './ivshmem2-protocol.ts';
import type { Handle, MessageSink, ServerMessage } from './protocol.ts';

const KIND_NONE = 0;
const KIND_MEMORY = 1;
const KIND_EVENTFD = 2;
const PIECE = 1 << 16;
const MORE = 1 << 17;

/** How many entries a message takes: one, or one per 8 bytes of a version 2 message. */
function entriesOf(message: ServerMessage): number {
  return message.bytes ? Math.max(1, Math.ceil(message.bytes.length / 8)) : 1;
}

function words(memory: WebAssembly.Memory, block: number): Int32Array {
  return new Int32Array(memory.buffer, block + L.DEV_INBOX, L.INBOX_ENTRIES_AT / 4);
}

function entryAt(block: number, index: number): number {
  return block + L.DEV_INBOX + L.INBOX_ENTRIES_AT + (index % L.INBOX_ENTRIES) * L.INBOX_ENTRY_SIZE;
}

interface Held {
  message: ServerMessage;
  /** the eventfd slot this message holds a reference on, if any */
  ref: number | undefined;
}

/** The host's side: a MessageSink that writes into a VM's inbox. */
export class InboxWriter implements MessageSink {
  private readonly backlog: Held[] = [];
  private readonly head: Int32Array;
  private readonly view: DataView;
  private waiting = false;
  /** entries before this index have had their references dropped */
  private dropped = 0;
  private closed = false;

  constructor(private readonly memory: WebAssembly.Memory, private readonly block: number) {
    this.head = words(memory, block);
    this.view = new DataView(memory.buffer);
  }

  receive(message: ServerMessage): void {
    if (this.closed) return;
    const handle = message.handle;
    const ref = handle?.kind === 'eventfd' && eventfdRefIfLive(this.memory, handle.slot) ? handle.slot : undefined;
    this.backlog.push({ message, ref });
    this.flush();
  }

  hangup(): void {
    Atomics.store(this.head, L.INBOX_HANGUP / 4, 1);
    Atomics.notify(this.head, L.INBOX_WRITE / 4);
  }

  /** The VM is gone (its worker no longer runs): every reference its messages held goes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropReferences(Atomics.load(this.head, L.INBOX_WRITE / 4));
    for (const { ref } of this.backlog.splice(0)) if (ref !== undefined) eventfdUnrefSlot(this.memory, ref);
  }

  private dropReferences(upTo: number): void {
    for (; this.dropped !== upTo; this.dropped = (this.dropped + 1) | 0) {
      const at = entryAt(this.block, this.dropped);
      if (this.view.getInt32(at + 20, true) !== 1) continue;
      this.view.setInt32(at + 20, 0, true);
      eventfdUnrefSlot(this.memory, this.view.getInt32(at + 12, true));
    }
  }

  private flush(): void {
    if (this.closed) return;
    const view = this.view;
    this.dropReferences(Atomics.load(this.head, L.INBOX_RELEASED / 4));
    let write = Atomics.load(this.head, L.INBOX_WRITE / 4);
    while (this.backlog.length > 0 && write - this.dropped + entriesOf(this.backlog[0].message) <= L.INBOX_ENTRIES) {
      const { message: { value, handle, bytes }, ref } = this.backlog.shift()!;
      const entries = entriesOf({ value, bytes });
      for (let i = 0; i < entries; i++) {
        const at = entryAt(this.block, write + i);
        const first = i === 0;
        let kind = first && handle ? (handle.kind === 'memory' ? KIND_MEMORY : KIND_EVENTFD) : KIND_NONE;
        if (bytes) {
          const piece = bytes.subarray(i * 8, i * 8 + 8);
          for (let b = 0; b < 8; b++) view.setUint8(at + b, piece[b] ?? 0);
          kind |= PIECE | (piece.length << 8) | (i < entries - 1 ? MORE : 0);
        } else {
          view.setBigInt64(at, value, true);
        }
        view.setInt32(at + 8, kind, true);
        view.setInt32(at + 12, first && handle ? (handle.kind === 'memory' ? handle.offset : handle.slot) : 0, true);
        view.setInt32(at + 16, first && handle?.kind === 'memory' ? handle.size : 0, true);
        view.setInt32(at + 20, first && ref !== undefined ? 1 : 0, true);
      }
      write = (write + entries) | 0;
      Atomics.store(this.head, L.INBOX_WRITE / 4, write);
    }
    Atomics.notify(this.head, L.INBOX_WRITE / 4);
    if ((this.backlog.length > 0 || this.dropped !== write) && !this.waiting) {
      // The host thread must not block: wait asynchronously for the VM to be done with something.
      this.waiting = true;
      const released = Atomics.load(this.head, L.INBOX_RELEASED / 4);
      const result = Atomics.waitAsync(this.head, L.INBOX_RELEASED / 4, released);
      const again = () => { this.waiting = false; this.flush(); };
      if (result.async) void result.value.then(again); else queueMicrotask(again);
    }
  }
}

/** The VM's side: takes what has arrived, in order. */
export class InboxReader {
  private readonly head: Int32Array;
  /** while a handshake runs, the device may keep messages for later: hold their references */
  private holding = false;

  constructor(private readonly memory: WebAssembly.Memory, private readonly block: number) {
    this.head = words(memory, block);
  }

  get hungUp(): boolean {
    return Atomics.load(this.head, L.INBOX_HANGUP / 4) !== 0;
  }

  // Looked at before every wait (and by nothing that needs more than a hint: drain() reads the
  // indices it acts on with Atomics): plain loads of aligned words, which JavaScript keeps
  // tear-free, cost 1-2 ns where two Atomics.load cost 17 ns in Node 20 (V8 11 calls the runtime),
  // on a ping-pong's path twice a round trip. A message that races in is taken at the next look,
  // as it would be after an atomic load that came a moment earlier.
  get pending(): boolean {
    return this.head[L.INBOX_WRITE / 4] !== this.head[L.INBOX_READ / 4];
  }

  /** Hands every message that has arrived to `sink`, oldest first. */
  drain(sink: MessageSink): number {
    const view = new DataView(this.memory.buffer);
    let read = Atomics.load(this.head, L.INBOX_READ / 4);
    const write = Atomics.load(this.head, L.INBOX_WRITE / 4);
    let count = 0;
    let pieces: { bytes: number[]; handle: Handle | undefined } | undefined;
    while (read !== write) {
      const at = entryAt(this.block, read);
      const value = view.getBigInt64(at, true);
      const word = view.getInt32(at + 8, true);
      const kind = word & 0xff;
      const a = view.getInt32(at + 12, true);
      const handle: Handle | undefined = kind === KIND_MEMORY
        ? { kind: 'memory', offset: a, size: view.getInt32(at + 16, true), path: '' }
        : kind === KIND_EVENTFD ? { kind: 'eventfd', slot: a } : undefined;
      read = (read + 1) | 0;
      Atomics.store(this.head, L.INBOX_READ / 4, read);
      if (word & PIECE) {
        pieces ??= { bytes: [], handle };
        for (let b = 0; b < ((word >> 8) & 0xff); b++) pieces.bytes.push(view.getUint8(at + b));
        if (word & MORE) continue;
        sink.receive(frameMessage(Uint8Array.from(pieces.bytes), pieces.handle));
        pieces = undefined;
      } else {
        sink.receive(handle ? { value, handle } : { value });
      }
      count++;
    }
    if (!this.holding) this.release();
    if (this.hungUp) sink.hangup();
    return count;
  }

  /** The device is done with every message read so far (it took its own references). */
  private release(): void {
    const read = Atomics.load(this.head, L.INBOX_READ / 4);
    if (Atomics.exchange(this.head, L.INBOX_RELEASED / 4, read) !== read) Atomics.notify(this.head, L.INBOX_RELEASED / 4);
  }

  /**
   * Feeds what arrives to `sink` until `settled` settles (a device's server handshake), without
   * blocking the thread. The handshake finishes in a microtask after the message that completes
   * it, so this wakes on whichever comes first, a new message or the settling: it never waits
   * for a timeout. The device keeps messages until then, so their references are held until then.
   */
  async feedUntilSettled(sink: MessageSink, settled: Promise<unknown>): Promise<void> {
    let done = false;
    const finished = settled.then(() => { done = true; }, () => { done = true; });
    this.holding = true;
    try {
      while (!done) {
        this.drain(sink);
        await Promise.race([finished, this.arrival()]);
      }
    } finally {
      this.holding = false;
      this.release();
    }
  }

  /** Resolves when something arrives (or after timeoutMs, default never); never blocks the thread. */
  async arrival(timeoutMs = Infinity): Promise<void> {
    const write = Atomics.load(this.head, L.INBOX_WRITE / 4);
    if (write !== Atomics.load(this.head, L.INBOX_READ / 4) || this.hungUp) return;
    const result = Atomics.waitAsync(this.head, L.INBOX_WRITE / 4, write, timeoutMs);
    if (result.async) await result.value;
  }
}
