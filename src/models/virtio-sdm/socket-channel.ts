// The socket channel: a virtio-sdm device whose group is reached through the SDM relay
// (src/relay/). The host thread holds one WebSocket per device, wherever the device lives (on
// the host or in a VM): it sends what the device's driver puts in the device's outbox, hands
// incoming signals to the core (which checks them as it checks local ones and delivers them into
// hg_vq), and keeps the device's view of its group (ids, max_slaves, current_slaves) in step
// with the relay. It survives a relay restart: it reconnects, rejoins with the same id, and
// says so (state, reconnects, log). Signals sent meanwhile wait in the outbox.
import * as L from '../../../assembly/layout.ts';
import type { CoreExports } from '../../core/core.ts';
import { QemuError } from '../../errors.ts';
import type { SdmSocketOptions } from '../../chardev/sdm-socket.ts';
import { CLOSE, SIGNAL_FRAME, decodeSignal, encodeSignal, type MembersFrame } from '../../relay/protocol.ts';

export type ChannelState = 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'closed';

interface Socket {
  readyState: number;
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(code?: number): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
type SocketClass = new (url: string) => Socket;

async function socketClass(): Promise<SocketClass> {
  if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket as unknown as SocketClass;
  const name = 'ws';
  return ((await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as { default: SocketClass }).default;
}

const channels = new Map<number, SdmSocketChannel>();
// How long a reconnected master waits for its slaves to rejoin before sending them what it held.
const REJOIN_GRACE_MS = 5000;

/** The socket channel of the device at `block`, if it has one. */
export function channelOf(block: number): SdmSocketChannel | undefined {
  return channels.get(block);
}

export class SdmSocketChannel {
  /** connecting, connected, reconnecting, refused or closed. */
  state: ChannelState = 'connecting';
  /** times the channel got back into its room after losing the relay */
  reconnects = 0;
  /** what happened, in words */
  readonly log: string[] = [];
  /** resolves once the device is in its room; rejects if the relay refuses it for good */
  readonly ready: Promise<void>;
  private settle!: { resolve(): void; reject(error: Error): void };
  private socket: Socket | undefined;
  private everJoined = false;
  private wanted: number | undefined;
  /** what the welcome gave us: a rejoin presents it and takes our id back at once */
  private session: string | undefined;
  private backoff = 50;
  /** which of the relays (url, then fallback) this connection tries */
  private relayIndex = 0;
  /** the relay of the current connection */
  url: string;
  private slaves = new Set<number>();
  private sentMaxSlaves = -1;
  /** after a reconnection, a master holds signals for slaves not back yet until then */
  private holdUntil = 0;
  private wake: () => void = () => {};
  private readonly words: Int32Array;
  private readonly view: DataView;

  /** @internal a virtio-sdm device on an SDM socket chardev has one */
  constructor(
    private readonly core: CoreExports,
    memory: WebAssembly.Memory,
    private readonly block: number,
    /** The SDM socket chardev it reaches its relay through. */
    readonly chardev: SdmSocketOptions,
    private readonly master: boolean,
  ) {
    this.url = chardev.url;
    this.ready = new Promise<void>((resolve, reject) => { this.settle = { resolve, reject }; });
    this.ready.catch(() => {});
    this.words = new Int32Array(memory.buffer, block + L.SDM_OUTBOX_WRITE, 2);
    this.view = new DataView(memory.buffer);
    channels.set(block, this);
    void this.connect();
    void this.pump();
  }

  private note(line: string): void {
    this.log.push(line);
    if (this.log.length > 200) this.log.shift();
  }

  /** Closes the connection to the relay for good. */
  close(): void {
    if (this.state === 'closed') return;
    // What the driver put in the outbox before its device went still leaves (a socket sends what
    // it was given before its close frame): a program that signals and then shuts down is heard.
    if (this.state === 'connected' && this.socket) this.sendOutbox(this.socket);
    this.state = 'closed';
    channels.delete(this.block);
    this.socket?.close(1000);
    this.settle.reject(new QemuError(`SDM socket '${this.chardev.id}': closed`));
    this.wake();
  }

  private async connect(): Promise<void> {
    const Socket = await socketClass();
    if (this.state === 'closed') return;
    const relays = [this.chardev.url, ...(this.chardev.fallback ?? [])];
    this.url = relays[this.relayIndex % relays.length];
    const socket = new Socket(this.url);
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      const join = this.master
        ? { type: 'join', room: this.chardev.room, token: this.chardev.token, role: 'master', maxSlaves: this.maxSlaves(), session: this.session }
        : { type: 'join', room: this.chardev.room, token: this.chardev.token, role: 'slave', slave: this.wanted, session: this.wanted === undefined ? undefined : this.session };
      this.sentMaxSlaves = this.master ? this.maxSlaves() : -1;
      socket.send(JSON.stringify(join));
    };
    socket.onmessage = (event) => this.onFrame(event.data);
    socket.onerror = () => {};
    socket.onclose = (event) => this.onClose(socket, event.code, event.reason);
  }

  private onClose(socket: Socket, code: number, reason: string): void {
    if (socket !== this.socket || this.state === 'closed' || this.state === 'refused') return;
    this.socket = undefined;
    if (code === CLOSE.REFUSED || code === CLOSE.PROTOCOL || code === CLOSE.RATE) {
      this.state = 'refused';
      this.note(`refused by the relay: ${reason}`);
      this.settle.reject(new QemuError(`virtio-sdm: the relay refused the device: ${reason}`));
      return;
    }
    if (this.state === 'connected') this.note(`lost the relay ${this.url} (${code}); reconnecting`);
    this.state = this.everJoined ? 'reconnecting' : 'connecting';
    // The next relay of the cluster, if there are others (a lost relay may be dead).
    this.relayIndex++;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 1000);
    setTimeout(() => void this.connect(), delay);
  }

  private onFrame(data: unknown): void {
    if (typeof data === 'string') {
      let frame: { type?: string; message?: string } & Partial<MembersFrame>;
      try {
        frame = JSON.parse(data);
      } catch {
        return;
      }
      if (frame.type === 'welcome') this.welcome(frame as MembersFrame);
      else if (frame.type === 'members') this.members(frame as MembersFrame);
      else if (frame.type === 'error') this.note(`relay: ${frame.message}`);
      return;
    }
    const bytes = new Uint8Array(data as ArrayBuffer);
    if (bytes.length !== SIGNAL_FRAME) return;
    const signal = decodeSignal(bytes);
    this.core.sdmReceive(this.block, signal.type, signal.slave, signal.payload[0], signal.payload[1]);
  }

  private welcome(frame: MembersFrame): void {
    this.wanted = frame.id;
    this.session = frame.session;
    this.backoff = 50;
    if (this.everJoined) {
      this.reconnects++;
      this.holdUntil = performance.now() + REJOIN_GRACE_MS;
      this.note(`reconnected to ${this.url} (room ${this.chardev.room}, id ${frame.id})`);
    } else {
      this.note(`joined room ${this.chardev.room} at ${this.url} as id ${frame.id}`);
    }
    this.everJoined = true;
    this.state = 'connected';
    this.members(frame);
    this.settle.resolve();
    this.wake();
  }

  private members(frame: MembersFrame): void {
    if (!this.master) {
      this.core.sdmSetRemoteMaster(this.block, this.wanted ?? -1, frame.master ? 1 : 0, frame.maxSlaves, frame.slaves.length);
      return;
    }
    const now = new Set(frame.slaves);
    for (const id of this.slaves) if (!now.has(id)) this.core.sdmSetRemoteSlave(this.block, id, 0);
    for (const id of now) if (!this.slaves.has(id)) this.core.sdmSetRemoteSlave(this.block, id, 1);
    this.slaves = now;
    this.wake();
  }

  private maxSlaves(): number {
    return this.view.getUint16(this.block + L.SDM_CONFIG + L.SDM_CFG_MAX_SLAVES, true);
  }

  /** Sends what waits in the device's outbox (a reconnected master holds what is for slaves not back yet), and a changed max_slaves. */
  private sendOutbox(socket: Socket): void {
    if (this.master && this.maxSlaves() !== this.sentMaxSlaves) {
      this.sentMaxSlaves = this.maxSlaves();
      socket.send(JSON.stringify({ type: 'max_slaves', value: this.sentMaxSlaves }));
    }
    const write = Atomics.load(this.words, 0);
    for (let read = Atomics.load(this.words, 1); read !== write; read = (read + 1) | 0) {
      const at = this.block + L.SDM_OUTBOX_ENTRIES_AT + ((read >>> 0) % L.SDM_OUTBOX_ENTRIES) * L.SDM_SIGNAL_SIZE;
      const slave = this.view.getUint32(at + 4, true);
      if (this.master && !this.slaves.has(slave) && performance.now() < this.holdUntil) break;
      socket.send(encodeSignal({
        type: this.view.getUint32(at, true),
        slave,
        payload: [this.view.getUint32(at + 8, true), this.view.getUint32(at + 12, true)],
      }));
      Atomics.store(this.words, 1, (read + 1) | 0);
    }
  }

  // The device's outbox to the relay, whenever the device writes to it.
  private async pump(): Promise<void> {
    while (this.state !== 'closed') {
      const write = Atomics.load(this.words, 0);
      if (this.state === 'connected' && this.socket) this.sendOutbox(this.socket);
      const woken = new Promise<void>((resolve) => { this.wake = resolve; });
      const holding = Atomics.load(this.words, 1) !== write;
      const result = Atomics.waitAsync(this.words, 0, write, holding ? 50 : 1000);
      await Promise.race([result.async ? result.value : Promise.resolve(), woken]);
    }
  }
}
