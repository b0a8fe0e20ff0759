// The device's side of its server's protocol. What every version shares is here: messages kept
// until the handshake runs (in realize, or as they arrive), handles checked before they touch
// anything, eventfds put in the peer table, the device's own ones bound once its block is built,
// errors after setup reported as QEMU's error_report does. What the messages look like is the
// protocol's: ServerClient below is ivshmem-server's (version 0, QEMU's ivshmem_recv_setup and
// process_msg), read the way each device reads it (its ServerDialect: ivshmem-flat's differs);
// ivshmem-v2's (version 2) is its model's (src/models/ivshmem-v2/client.ts).
import { QemuError } from '../errors.ts';
import { EVENTFD_SLOTS, PAGE } from '../../assembly/layout.ts';
import { PROTOCOL_VERSION, SHM_MESSAGE, type Handle, type MessageSink, type ServerMessage } from '../server/protocol.ts';
import type { CoreExports } from '../core/core.ts';
import type { MemoryPlace } from './layout.ts';

const MAX_PEERS = 65535n;

/**
 * How a device reads its server's messages, where QEMU's devices differ. Each hook throws a
 * QemuError for a message the device refuses: in realize that fails it, afterwards it is reported.
 */
export interface ServerDialect {
  /** step 0, the protocol version */
  version(value: bigint, fd: Handle | undefined): void;
  /** step 1: the device's own ID */
  id(value: bigint, fd: Handle | undefined): number;
  /**
   * A device that takes the memory as the very next message checks it here (the memory handle is
   * then mapped); without this hook peers' messages are taken until the memory comes.
   */
  memory?(value: bigint, fd: Handle | undefined): void;
  /** after the ID: the peer a message names, or 'memory' for the shared memory message */
  peer(value: bigint): number | 'memory';
  /** a peer's eventfds beyond the device's vectors: refused with QEMU's error, or closed without a word */
  extraEventfds: 'refuse' | 'close';
  /** whether an event on the device's own vector interrupts it (every vector, unless said) */
  interrupts?(vector: number): boolean;
}

/** QEMU's ivshmem (2.6 and later, and the legacy device): ivshmem_recv_setup and process_msg. */
export const IVSHMEM_DIALECT: ServerDialect = {
  version(value, fd) {
    if (value !== PROTOCOL_VERSION) throw new QemuError(`server sent version ${value}, expecting 0`);
    if (fd) throw new QemuError('server sent invalid version message');
  },
  id(value, fd) {
    if (fd || value < 0n || value > MAX_PEERS) throw new QemuError('server sent invalid ID message');
    return Number(value);
  },
  peer(value) {
    if (value < -1n || value > MAX_PEERS) throw new QemuError(`server sent invalid message ${value}`);
    return value === SHM_MESSAGE ? 'memory' : Number(value);
  },
  extraEventfds: 'refuse',
};

/** What the client reaches of its device. */
export interface ClientDevice {
  core: CoreExports;
  memory: WebAssembly.Memory;
  block: number;
  vectors: number;
  memoryBytes: number;
  /** QEMU >= 2.6 shows the ID as soon as it is known; older devices once the memory is mapped */
  publishIdAtOnce: boolean;
  idRegister: { get(): number; set(id: number): void };
  /** throws a QemuError if the device cannot map a shared memory of this size */
  checkMemory(size: number): void;
  eventfdIsLive(slot: number): boolean;
  ownSlot(id: number, vector: number): number;
  peerIds(): number[];
  /** how it reads version 0 messages (IVSHMEM_DIALECT unless the model says otherwise) */
  dialect?: ServerDialect;
}

/** What the realize pipeline needs of a device's client, whatever its protocol. */
export interface DeviceClient extends MessageSink {
  readonly id: number;
  readonly isSetUp: boolean;
  readonly serverGone: boolean;
  /** Errors of messages that arrived after setup, reported as QEMU's error_report does. */
  readonly errors: string[];
  /** where the server's memory is, once it has been sent */
  readonly sharedMemory: MemoryPlace | undefined;
  /** called when the memory arrives after the device was built (the legacy devices) */
  onMemory: ((place: MemoryPlace) => void) | undefined;
  /** The whole handshake from what has arrived; throws on failure. */
  setup(): void;
  /** The handshake message by message as they arrive; resolves once it is done. */
  setupAsync(): Promise<void>;
  /** The block is built: the own eventfds reach it from now on. */
  bindOwnEventfds(): void;
  /** The device goes away. */
  close(): void;
}

/**
 * What QEMU's exit does with the peer table: unbind the device's own vectors and close every
 * eventfd it holds. Also used by the host for a VM whose worker was killed.
 */
export function closePeerTable(device: Pick<ClientDevice, 'core' | 'block' | 'ownSlot' | 'peerIds'>, ownId: number): void {
  const { core, block } = device;
  if (ownId >= 0) {
    for (let v = 0; v < core.peerEventfdCount(block, ownId); v++) core.eventfdUnbind(device.ownSlot(ownId, v), block);
  }
  for (const peer of device.peerIds()) core.peerRemove(block, peer);
}

/** A protocol's client: the handshake's steps and the messages after it are the protocol's own. */
export abstract class ProtocolClient implements DeviceClient {
  private state: 'setup' | 'running' | 'closed' = 'setup';
  private readonly queue: ServerMessage[] = [];
  private hungUp = false;
  protected ownId = -1;
  /**
   * The device's own eventfds, bound to it only once its block is built (bindOwnEventfds): a
   * doorbell that came earlier would act on a half-made block (and be wiped by its reset). QEMU
   * handles them only after realize returns; the slot keeps the count until the bind takes it.
   */
  private readonly ownSlots: { slot: number; vector: number }[] = [];
  private ownBound = false;
  private settle: { resolve(): void; reject(error: unknown): void } | undefined;
  private stepScheduled = false;
  sharedMemory: MemoryPlace | undefined;
  onMemory: ((place: MemoryPlace) => void) | undefined;
  readonly errors: string[] = [];

  constructor(protected readonly device: ClientDevice) {}

  /** One message of the handshake; true once it is complete. */
  protected abstract setupStep(message: ServerMessage): boolean;
  /** A message after the handshake. */
  protected abstract process(message: ServerMessage): void;

  get id(): number {
    return this.ownId;
  }

  get isSetUp(): boolean {
    return this.state === 'running';
  }

  get serverGone(): boolean {
    return this.hungUp;
  }

  receive(message: ServerMessage): void {
    if (this.state === 'closed') return;
    if (this.state !== 'running') {
      this.queue.push(message);
      if (this.settle) this.scheduleStep();
      return;
    }
    try {
      this.process(message);
    } catch (error) {
      this.report(error);
    }
  }

  hangup(): void {
    this.hungUp = true;
    if (this.settle) this.scheduleStep();
  }

  setup(): void {
    while (this.state !== 'running') {
      const message = this.queue.shift();
      if (!message) throw new QemuError('read from server failed: Connection reset by peer');
      if (this.setupStep(message)) this.state = 'running';
    }
    this.drain();
  }

  setupAsync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.scheduleStep();
    });
  }

  private scheduleStep(): void {
    if (this.stepScheduled) return;
    this.stepScheduled = true;
    queueMicrotask(() => {
      this.stepScheduled = false;
      this.asyncStep();
    });
  }

  private asyncStep(): void {
    const settle = this.settle!;
    try {
      while (this.state === 'setup') {
        const message = this.queue.shift();
        if (!message) {
          if (this.hungUp) throw new QemuError('read from server failed: Connection reset by peer');
          return;
        }
        if (this.setupStep(message)) this.state = 'running';
      }
      this.settle = undefined;
      if (this.state === 'closed') throw new QemuError('read from server failed: the device was unplugged');
      this.drain();
      settle.resolve();
    } catch (error) {
      this.settle = undefined;
      this.state = 'closed';
      this.report(error);
      settle.reject(error);
    }
  }

  close(): void {
    this.state = 'closed';
    this.queue.length = 0;
    closePeerTable(this.device, this.ownId);
    if (this.settle) this.scheduleStep();
  }

  private drain(): void {
    for (let message = this.queue.shift(); message; message = this.queue.shift()) this.receive(message);
  }

  private report(error: unknown): void {
    this.errors.push(error instanceof Error ? error.message : String(error));
  }

  /**
   * A message's handle names something real, or the message is refused with `label` (its value,
   * or its type) before it touches anything.
   */
  protected checkHandle(message: ServerMessage, label: string): Handle | undefined {
    const fd = message.handle;
    if (fd === undefined) return undefined;
    if (fd.kind === 'eventfd') {
      if (!Number.isInteger(fd.slot) || fd.slot < 0 || fd.slot >= EVENTFD_SLOTS || !this.device.eventfdIsLive(fd.slot)) {
        throw new QemuError(`server sent an invalid eventfd handle with message ${label}`);
      }
    } else if (fd.kind === 'memory') {
      if (!Number.isInteger(fd.offset) || !Number.isInteger(fd.size) || fd.offset % PAGE !== 0 || fd.size <= 0
        || fd.offset + fd.size > this.device.memoryBytes) {
        throw new QemuError(`server sent an invalid shared memory handle with message ${label}`);
      }
    } else {
      throw new QemuError(`server sent an unknown handle with message ${label}`);
    }
    return fd;
  }

  /** The memory the server sent: checked by the device, then mapped (and the ID shown, on a device that waits for it). */
  protected mapMemory(fd: Handle & { kind: 'memory' }): void {
    this.device.checkMemory(fd.size);
    this.sharedMemory = { offset: fd.offset, size: fd.size };
    if (!this.device.publishIdAtOnce) this.device.idRegister.set(this.ownId);
    this.onMemory?.(this.sharedMemory);
  }

  /**
   * `peer`'s next vector: into the peer table, and bound to the device if it is its own and
   * interrupts it. One beyond the device's vectors is refused with QEMU's error, or closed.
   */
  protected addEventfd(peer: number, slot: number, rules: Pick<ServerDialect, 'extraEventfds' | 'interrupts'> = IVSHMEM_DIALECT): void {
    const { core, block, vectors } = this.device;
    if (core.peerEventfdCount(block, peer) >= vectors) {
      // closed: the device takes no reference on it, as QEMU's close() gives its fd back
      if (rules.extraEventfds === 'close') return;
      throw new QemuError(`Too many eventfd received, device has ${vectors} vectors`);
    }
    const vector = core.peerAddEventfd(block, peer, slot);
    if (vector < 0) throw new QemuError(`peer table full: cannot track peer ${peer}`);
    if (peer !== this.ownId || rules.interrupts?.(vector) === false) return;
    if (this.ownBound) core.eventfdBind(slot, block, vector);
    else this.ownSlots.push({ slot, vector });
  }

  bindOwnEventfds(): void {
    this.ownBound = true;
    for (const { slot, vector } of this.ownSlots.splice(0)) this.device.core.eventfdBind(slot, this.device.block, vector);
  }
}

/** The shape of a version 0 message: an int64 value and, if any, a handle that names something real. */
function checkValue(message: ServerMessage): bigint {
  const value = (message as { value?: unknown } | null)?.value;
  if (typeof value !== 'bigint' || value < -(1n << 63n) || value >= 1n << 63n) {
    throw new QemuError('read from server failed: malformed message');
  }
  return value;
}

/**
 * ivshmem-server's protocol, version 0: QEMU's ivshmem_recv_setup and process_msg, as the
 * device's dialect reads them.
 */
export class ServerClient extends ProtocolClient {
  private phase: 'version' | 'id' | 'memory' = 'version';
  private readonly dialect: ServerDialect;

  constructor(device: ClientDevice) {
    super(device);
    this.dialect = device.dialect ?? IVSHMEM_DIALECT;
  }

  protected setupStep(message: ServerMessage): boolean {
    const value = checkValue(message);
    const fd = this.checkHandle(message, `${value}`);
    if (this.phase === 'version') {
      this.dialect.version(value, fd);
      this.phase = 'id';
      return false;
    }
    if (this.phase === 'id') {
      this.ownId = this.dialect.id(value, fd);
      if (this.device.publishIdAtOnce) this.device.idRegister.set(this.ownId);
      this.phase = 'memory';
      return false;
    }
    if (this.dialect.memory) {
      this.dialect.memory(value, fd);
      this.takeMemory(fd);
      return true;
    }
    this.process(message);
    return value === SHM_MESSAGE;
  }

  protected process(message: ServerMessage): void {
    const value = checkValue(message);
    const fd = this.checkHandle(message, `${value}`);
    const peer = this.dialect.peer(value);
    if (peer === 'memory') {
      this.takeMemory(fd);
      return;
    }
    if (fd) {
      if (fd.kind !== 'eventfd') throw new QemuError(`server sent an invalid eventfd handle with message ${peer}`);
      this.addEventfd(peer, fd.slot, this.dialect);
    } else {
      this.disconnect(peer);
    }
  }

  private takeMemory(fd: Handle | undefined): void {
    if (!fd) throw new QemuError("server didn't provide fd with shared memory message");
    if (this.sharedMemory) throw new QemuError('server sent unexpected shared memory message');
    if (fd.kind !== 'memory') throw new QemuError(`server sent an invalid shared memory handle with message ${SHM_MESSAGE}`);
    this.mapMemory(fd);
  }

  // QEMU grows its peer table to every ID it is told about before this check, so the only
  // invalid disconnect is one's own.
  private disconnect(peer: number): void {
    if (peer === this.ownId) throw new QemuError(`invalid peer ${peer}`);
    this.device.core.peerRemove(this.device.block, peer);
  }
}
