// One ivshmem device as QEMU's hw/misc/ivshmem-pci.c (and, for pin-based interrupts, the legacy
// device before QEMU 4.0) behaves, seen from its guest: config space, BAR0 registers, MSI-X,
// INTx, its peer table as the server's messages build it, and the CPU's side of interrupts.
//
//   BAR0 (ivshmem_io_read / ivshmem_io_write, 4-byte registers):
//     0 IntrMask  RW      4 IntrStatus  RW, a read clears it      8 IVPosition  RO
//     12 Doorbell WO: (dest << 16) | vector, vector = val & 0xff (QEMU), dest must be a peer with
//        more than `vector` eventfds, else the write is ignored.       16..255 read 0
import { PciConfig, CMD_MASTER, CMD_INTX_DISABLE, CMD_MEMORY, STATUS_INTERRUPT, type BarSpec } from './pci-config.ts';
import { Msix, msixBarSize } from './msix.ts';

export type Kind = 'plain' | 'doorbell' | 'legacy-intx';

export interface ModelOptions {
  kind: Kind;
  vectors: number;
  /** size of BAR2 (the shared memory) */
  memorySize: number;
}

export class ModelDevice {
  readonly config: PciConfig;
  readonly msix: Msix | undefined;
  readonly bars: BarSpec[];
  intrMask = 0;
  intrStatus = 0;
  /** IVPosition: the server's ID, 0 without a server */
  vmId = 0;
  /** peer ID -> how many of its eventfds this device holds (vector i is the i-th received) */
  readonly peers = new Map<number, number>();
  /** the CPU: messages delivered per vector, and the vectors raised and not yet taken */
  readonly delivered: number[];
  private readonly irr = new Set<number>();
  private intxLevel = false;
  lost = 0;
  dropped = 0;
  /** BAR2 contents (what the model needs of them: bytes written, zero elsewhere) */
  memory: Map<number, number> = new Map();

  constructor(readonly options: ModelOptions) {
    const { kind, vectors } = options;
    const legacy = kind === 'legacy-intx';
    // BAR0 32-bit registers; BAR1 (doorbell) the MSI-X table and PBA, 32-bit; BAR2 the shared
    // memory, 64-bit prefetchable (use64 defaults to on for the legacy device too)
    this.bars = [{ index: 0, size: 256, type: 0 }];
    if (kind === 'doorbell') this.bars.push({ index: 1, size: msixBarSize(vectors), type: 0 });
    this.bars.push({ index: 2, size: options.memorySize, type: 0x8 | 0x4 });
    this.config = new PciConfig({ revision: legacy ? 0 : 1, interruptPin: legacy ? 1 : 0, bars: this.bars });
    this.delivered = new Array(Math.max(1, vectors)).fill(0);
    if (kind === 'doorbell') this.msix = new Msix(this.config, vectors, { send: (v) => this.msiSend(v) });
  }

  get vectors(): number {
    return this.options.vectors;
  }

  get memoryEnabled(): boolean {
    return (this.config.command & CMD_MEMORY) !== 0;
  }

  // ---- the CPU side: what the guest sees of interrupts ----

  private msiSend(vector: number): void {
    if ((this.config.command & CMD_MASTER) === 0) {
      this.lost++; // the DMA write goes nowhere with Bus Master Enable clear
      return;
    }
    this.delivered[vector]++;
    this.irr.add(vector);
  }

  /** ivshmem_update_irq: INTx follows IntrStatus & IntrMask; Status.Interrupt follows the line */
  private updateIrq(): void {
    if (this.options.kind !== 'legacy-intx') return;
    const level = (this.intrStatus & this.intrMask) !== 0;
    if (level && !this.intxLevel) this.delivered[0]++;
    this.intxLevel = level;
    this.config.setStatusBit(STATUS_INTERRUPT, level);
  }

  /** the line as the interrupt controller sees it: Command.Interrupt Disable gates it */
  get intx(): boolean {
    return this.intxLevel && (this.config.command & CMD_INTX_DISABLE) === 0;
  }

  /** the CPU takes one interrupt, lowest vector first; INTx is level-triggered */
  take(): number {
    if (this.options.kind === 'legacy-intx') return this.intx ? 0 : -1;
    if (this.irr.size === 0) return -1;
    const vector = Math.min(...this.irr);
    this.irr.delete(vector);
    return vector;
  }

  pending(vector: number): boolean {
    return this.msix?.isPending(vector) ?? false;
  }

  masked(vector: number): boolean {
    return this.msix ? this.msix.isMasked(vector) : true;
  }

  // ---- config space ----

  configRead(offset: number, width: number): number {
    return this.config.read(offset, width);
  }

  configWrite(offset: number, width: number, value: number): void {
    this.config.write(offset, width, value);
    this.msix?.configWritten(offset, width);
  }

  // ---- BAR0 ----

  bar0Read(offset: number): number {
    switch (offset) {
      case 0: return this.intrMask;
      case 4: {
        const value = this.intrStatus;
        this.intrStatus = 0;
        this.updateIrq();
        return value;
      }
      case 8: return this.vmId >>> 0;
      default: return 0;
    }
  }

  /** returns the doorbell to ring, if the write was one that names a known peer and vector */
  bar0Write(offset: number, value: number): { dest: number; vector: number } | undefined {
    switch (offset & 0xfc) {
      case 0:
        this.intrMask = value;
        this.updateIrq();
        return undefined;
      case 4:
        this.intrStatus = value;
        this.updateIrq();
        return undefined;
      case 12: {
        const dest = value >>> 16;
        const vector = value & 0xff;
        const eventfds = this.peers.get(dest) ?? 0;
        return vector < eventfds ? { dest, vector } : undefined;
      }
      default:
        return undefined;
    }
  }

  /** ivshmem_vector_notify: one of this device's own eventfds was signalled */
  vectorNotify(vector: number): void {
    if (this.msix) {
      if (this.msix.enabled) this.msix.notify(vector);
      else this.dropped++;
      return;
    }
    this.intrStatus = 1; // the pin-based device latches 1 and loses the vector
    this.updateIrq();
  }

  // ---- BAR1 (MSI-X): 4- and 8-byte accesses, an 8-byte one as two 4-byte ones ----

  bar1Read(offset: number, width: 4 | 8): number | bigint {
    const msix = this.msix!;
    if (width === 4) return msix.read32(offset);
    return BigInt(msix.read32(offset)) | (BigInt(msix.read32(offset + 4)) << 32n);
  }

  bar1Write(offset: number, width: 4 | 8, value: number | bigint): void {
    const msix = this.msix!;
    if (width === 4) {
      msix.write32(offset, Number(value));
      return;
    }
    const v = BigInt(value);
    msix.write32(offset, Number(v & 0xffffffffn));
    msix.write32(offset + 4, Number(v >> 32n));
  }

  // ---- BAR2: the shared memory ----

  bar2Read(offset: number, width: number): number | bigint {
    let value = 0n;
    for (let i = width - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.memory.get(offset + i) ?? 0);
    return width === 8 ? value : Number(value);
  }

  bar2Write(offset: number, width: number, value: number | bigint): void {
    let v = BigInt(value);
    for (let i = 0; i < width; i++, v >>= 8n) this.memory.set(offset + i, Number(v & 0xffn));
  }

  // ---- reset and migration ----

  /** pci_do_device_reset (INTx deasserted, header cleared, msix_reset) then ivshmem_reset */
  reset(): void {
    this.intxLevel = false;
    this.config.setStatusBit(STATUS_INTERRUPT, false);
    this.config.reset(this.bars);
    this.msix?.reset();
    this.intrStatus = 0;
    this.intrMask = 0;
  }

  /** What the vmstate carries: config space, MSI-X (doorbell), intrstatus, intrmask (+ RAM from a master) */
  save(): ModelState {
    return {
      config: this.config.bytes.slice(),
      table: this.msix?.table.slice(),
      pba: this.msix?.pba.slice(),
      intrStatus: this.intrStatus,
      intrMask: this.intrMask,
      memory: new Map(this.memory),
    };
  }

  /** get_pci_config_device copies the config (after its "Bad config data" check), then msix_load */
  load(state: ModelState): void {
    this.config.bytes.set(state.config);
    if (this.msix) this.msix.load(state.table!, state.pba!);
    this.memory.clear();
    for (const [at, byte] of state.memory) this.memory.set(at, byte);
    this.intrMask = state.intrMask;
    this.intrStatus = state.intrStatus;
    this.updateIrq();
  }
}

export interface ModelState {
  config: Uint8Array;
  table?: Uint8Array;
  pba?: Uint8Array;
  intrStatus: number;
  intrMask: number;
  memory: Map<number, number>;
}
