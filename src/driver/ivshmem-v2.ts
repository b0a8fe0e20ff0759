// The steps an ivshmem-v2 driver takes, as Jailhouse's drivers in Jan Kiszka's Linux queue take
// them (ivshmem-net's ivshm_net_probe and ivshm_net_state_change, uio_ivshmem's probe): find the
// vendor capability and read the sections from it, turn interrupts on, and the state handshake
// ivshmem-net runs over the state table (RESET, INIT, READY, RUN). Config and BAR accesses only,
// so they work on a host-side device and on a VM's device alike: `driver.v2.*`.
import * as L from '../../assembly/layout.ts';
import { AccessError, checkInteger } from '../errors.ts';
import { enableDevice, enableMsix, findCapability, msixTableSize, unmaskVector, type PciFunction } from './pci-driver.ts';

/** Where a section is in BAR2, and how big. */
export interface Region {
  /** where it starts in BAR2 */
  offset: number;
  /** its size in bytes */
  size: number;
}

/** What a driver learns at probe: the device's ID and peers, and where each section is in BAR2. */
export interface Probe {
  /** this device's peer ID (the ID register) */
  id: number;
  /** how many peers the state table holds (the Maximum Peers register) */
  maxPeers: number;
  /** MSI-X vectors (the table size) */
  vectors: number;
  /** the protocol type from the class code (sub-class and prog-if) */
  protocol: number;
  /** the read-only state table: one 32-bit state per peer */
  stateTable: Region;
  /** the section every peer may read and write */
  rw: Region;
  /** the size of each peer's output section (0: none) */
  outputSectionSize: number;
  /** peer `id`'s output section */
  output(id: number): Region;
}

/** ivshmem-net's states; the spec leaves their meaning to the protocol. */
export const NET_STATE = {
  /** 0: not ready, or going down */
  RESET: 0,
  /** 1: set up, waiting for the peer */
  INIT: 1,
  /** 2: the peer was seen in INIT or later */
  READY: 2,
  /** 3: both sides running */
  RUN: 3,
} as const;

function qword(dev: PciFunction, at: number): number {
  return dev.config.read(at, 4) + dev.config.read(at + 4, 4) * 2 ** 32;
}

/** Enables the device and reads its sections from the vendor capability, as ivshm_net_probe does. */
export function probe(dev: PciFunction): Probe {
  enableDevice(dev);
  const cap = findCapability(dev, L.PCI_CAP_ID_VNDR);
  if (!cap) throw new AccessError('missing vendor capability');
  const stateTable = { offset: 0, size: dev.config.read(cap + L.V2_CAP_STATE_TAB_SZ, 4) };
  const rw = { offset: stateTable.size, size: qword(dev, cap + L.V2_CAP_RW_SECTION_SZ) };
  const outputSectionSize = qword(dev, cap + L.V2_CAP_OUTPUT_SECTION_SZ);
  const maxPeers = dev.bar(0).read(L.V2_REG_MAX_PEERS, 4);
  const outputs = rw.offset + rw.size;
  const classCode = dev.config.read(L.PCI_REVISION_ID, 4) >>> 8;
  return {
    id: dev.bar(0).read(L.V2_REG_ID, 4),
    maxPeers,
    vectors: msixTableSize(dev),
    protocol: classCode & 0xffff,
    stateTable,
    rw,
    outputSectionSize,
    output(id: number): Region {
      checkInteger('output: the peer ID', id, 0, maxPeers - 1, AccessError);
      return { offset: outputs + id * outputSectionSize, size: outputSectionSize };
    },
  };
}

/**
 * MSI-X on with every vector unmasked, one-shot mode as asked (ivshmem-net clears it, uio_ivshmem
 * sets it), then Interrupt Control's enable bit: the device interrupts from now on.
 */
export function enableInterrupts(dev: PciFunction, options: { oneShot?: boolean } = {}): void {
  enableMsix(dev);
  for (let v = 0; v < msixTableSize(dev); v++) unmaskVector(dev, v);
  setOneShot(dev, options.oneShot ?? false);
  dev.bar(0).write(L.V2_REG_INT_CTRL, 4, L.V2_INT_ENABLE);
}

/** Bit 0 of the vendor capability's privileged control: one-shot interrupt mode. */
export function setOneShot(dev: PciFunction, on: boolean): void {
  const cap = findCapability(dev, L.PCI_CAP_ID_VNDR);
  if (!cap) throw new AccessError('missing vendor capability');
  dev.config.write(cap + L.V2_CAP_PRIV_CTRL, 1, on ? L.V2_ONESHOT : 0);
}

/** Interrupt Control: 1 lets the device interrupt again (in one-shot mode, after every interrupt). */
export function setInterrupts(dev: PciFunction, on: boolean): void {
  dev.bar(0).write(L.V2_REG_INT_CTRL, 4, on ? L.V2_INT_ENABLE : 0);
}

/** Writes the State register: the state table shows it, and the other peers get vector 0. */
export function setState(dev: PciFunction, state: number): void {
  checkInteger('setState: the state', state, 0, 0xffffffff, AccessError);
  dev.bar(0).write(L.V2_REG_STATE, 4, state);
}

/** Peer `id`'s state, read from the state table in BAR2. */
export function peerState(dev: PciFunction, found: Probe, id: number): number {
  checkInteger('peerState: the peer ID', id, 0, found.maxPeers - 1, AccessError);
  return dev.bar(2).read(found.stateTable.offset + id * 4, 4);
}

/** What ivshmem-net does at each step of its handshake, if anything. */
export interface HandshakeHooks {
  /** INIT to READY: lay out the queues in the own output section */
  init?(): void;
  /** the link is up: the first time the device goes to RUN */
  run?(): void;
  /** the peer went back to RESET, and so does this side */
  stop?(): void;
}

/**
 * ivshmem-net's state handshake with one peer (ivshm_net_state_change): call check() at start and
 * after every interrupt on vector 0 (a state change or a departure). RESET goes to INIT once the
 * peer is below READY, INIT to READY once the peer has left RESET, READY to RUN once the peer is
 * READY or RUN; a peer back in RESET takes this side back to RESET, from where it starts over.
 */
export class NetHandshake {
  /** this side's state, as written to its State register */
  state: number = NET_STATE.RESET;
  /** the peer's state as last seen (-1 before the first look) */
  lastPeerState = -1;
  private running = false;

  constructor(
    private readonly dev: PciFunction,
    private readonly found: Probe,
    readonly peer: number,
    private readonly hooks: HandshakeHooks = {},
  ) {}

  /** ivshm_net_probe's last steps: State = RESET, then a first look. */
  start(): number {
    this.set(NET_STATE.RESET);
    return this.check();
  }

  /** One step (ivshm_net_state_change): returns this side's state. */
  check(): number {
    const seen = peerState(this.dev, this.found, this.peer);
    if (seen === this.lastPeerState) return this.state;
    this.lastPeerState = seen;
    switch (this.state) {
      case NET_STATE.RESET:
        if (seen < NET_STATE.READY) this.set(NET_STATE.INIT);
        break;
      case NET_STATE.INIT:
        if (seen > NET_STATE.RESET) {
          this.hooks.init?.();
          this.set(NET_STATE.READY);
        }
        break;
      default:
        if (seen >= NET_STATE.READY) this.run();
        else if (seen === NET_STATE.RESET) this.stop();
    }
    return this.state;
  }

  // ivshm_net_run: once READY, the first run sets RUN
  private run(): void {
    if (this.running) return;
    this.running = true;
    this.hooks.run?.();
    this.set(NET_STATE.RUN);
  }

  // ivshm_net_do_stop
  private stop(): void {
    this.set(NET_STATE.RESET);
    if (!this.running) return;
    this.running = false;
    this.hooks.stop?.();
  }

  private set(state: number): void {
    this.state = state;
    setState(this.dev, state);
  }
}
