// This project's device as a PCI function of a v86 machine: v86's configuration cycles for its
// slot go to the device's config space (device.config), accesses to the 128 KiB MMIO blocks its
// BARs sit in go to the device's BARs (device.bar(n), the register path a JavaScript guest uses),
// and its INTx line (IntrStatus & IntrMask, gated by Interrupt Disable, decoded by the core) drives
// the interrupt v86 routes for the slot. The guest places the BARs (the firmware and Linux write
// them in config space, as on QEMU): they are mapped where the BAR registers say while Memory
// Space Enable is set, and follow a BAR that moves.
import * as L from '../../assembly/layout.ts';
import type { Device } from '../device/device.ts';
import type { BarLayout } from '../device/layout.ts';
import { AccessError } from '../errors.ts';
import { MMIO_BLOCK, type Read, type V86Cpu, type Write } from './v86-internals.ts';

interface Mapped {
  bar: BarLayout;
  base: number;
  read8: Read;
  write8: Write;
  read32: Read;
  write32: Write;
}

interface Previous { read8: Read; write8: Write; read32: Read; write32: Write }

/** An access the device does not decode reads as all ones and writes nothing, as on a PCI bus. */
function guarded<T>(access: () => T, none: T): T {
  try {
    return access();
  } catch (error) {
    if (error instanceof AccessError) return none;
    throw error;
  }
}

export class V86PciFunction {
  /** v86's PCI device number (slot << 3) */
  readonly pciId: number;
  private mapped: Mapped[] = [];
  private readonly previous = new Map<number, Previous>();
  private level = false;

  constructor(private readonly device: Device, private readonly cpu: V86Cpu, slot: number) {
    const pci = cpu.devices.pci;
    this.pciId = slot << 3;
    if (pci.devices[this.pciId]) throw new Error(`v86 already has a device in slot ${slot}`);
    // v86 keeps a copy of the first 64 bytes: its interrupt routing reads the pin there.
    const space = Array.from({ length: 64 }, (_, i) => device.config.read(i, 1));
    pci.register_device({ pci_id: this.pciId, pci_space: space, pci_bars: [], name: device.name });
    const ours = (address: number) => (address >> 8 & 0xffff) === this.pciId;
    const query = pci.pci_query.bind(pci);
    pci.pci_query = () => {
      query();
      const bdf = pci.pci_addr[2] << 8 | pci.pci_addr[1];
      if (bdf === this.pciId) pci.pci_response32[0] = device.config.read(pci.pci_addr[0] & 0xfc, 4) | 0;
    };
    const write = (size: 1 | 2 | 4, original: (address: number, value: number) => void) => (address: number, value: number) => {
      if (!ours(address)) return original.call(pci, address, value);
      const mask = size === 4 ? 0xffffffff : (1 << size * 8) - 1;
      device.config.write(address & 0xff, size, (value & mask) >>> 0);
      this.update();
    };
    pci.pci_write8 = write(1, pci.pci_write8);
    pci.pci_write16 = write(2, pci.pci_write16);
    pci.pci_write32 = write(4, pci.pci_write32);
    this.update();
  }

  /**
   * Follows the device: BAR mappings after a config write, and the INTx line, which other threads
   * raise (a peer's doorbell) and this VM lowers (reading IntrStatus, setting Interrupt Disable).
   */
  update(): void {
    this.remap();
    this.syncIntx();
  }

  syncIntx(): void {
    const level = this.device.interrupts.intx;
    if (level === this.level) return;
    this.level = level;
    if (level) this.cpu.devices.pci.raise_irq(this.pciId);
    else this.cpu.devices.pci.lower_irq(this.pciId);
  }

  private remap(): void {
    const config = this.device.config;
    const decoding = (config.read(L.PCI_COMMAND, 2) & L.PCI_COMMAND_MEMORY) !== 0;
    const mapped: Mapped[] = [];
    if (decoding) {
      for (const bar of this.device.layout.bars) {
        const at = 0x10 + bar.index * 4;
        const wide = (bar.type & 0x6) === 0x4;
        const base = config.read(at, 4) & ~0xf;
        // a 64-bit BAR above 4 GiB, or one being sized, is out of this 32-bit machine's reach
        if ((wide && config.read(at + 4, 4) !== 0) || base === 0 || base + bar.size > 2 ** 32) continue;
        const old = this.mapped.find((m) => m.bar === bar && m.base === base >>> 0);
        mapped.push(old ?? this.handlers(bar, base >>> 0));
      }
    }
    this.mapped = mapped;
    for (const m of mapped) {
      for (let block = Math.floor(m.base / MMIO_BLOCK); block * MMIO_BLOCK < m.base + m.bar.size; block++) this.claim(block);
    }
  }

  // A block is taken over once; an address in it that no BAR of ours covers goes to whatever v86
  // had there (another device, or nothing).
  private claim(block: number): void {
    if (this.previous.has(block)) return;
    const cpu = this.cpu;
    const previous = {
      read8: cpu.memory_map_read8[block], write8: cpu.memory_map_write8[block],
      read32: cpu.memory_map_read32[block], write32: cpu.memory_map_write32[block],
    };
    this.previous.set(block, previous);
    const find = (address: number) => this.mapped.find((m) => address >= m.base && address < m.base + m.bar.size);
    cpu.io.mmap_register(block * MMIO_BLOCK, MMIO_BLOCK,
      (address) => { const a = address >>> 0; const m = find(a); return m ? m.read8(a - m.base) : previous.read8(address); },
      (address, value) => { const a = address >>> 0; const m = find(a); if (m) m.write8(a - m.base, value); else previous.write8(address, value); },
      (address) => { const a = address >>> 0; const m = find(a); return m ? m.read32(a - m.base) : previous.read32(address); },
      (address, value) => { const a = address >>> 0; const m = find(a); if (m) m.write32(a - m.base, value); else previous.write32(address, value); },
    );
  }

  private handlers(bar: BarLayout, base: number): Mapped {
    if (bar.kind === 'memory') {
      // BAR2 is the shared memory itself: the guest's loads and stores are the memory's.
      const { bytes } = this.device.bar(bar.index);
      const view = new DataView(bytes!.buffer, bytes!.byteOffset, bytes!.byteLength);
      return {
        bar, base,
        read8: (offset) => bytes![offset],
        write8: (offset, value) => { bytes![offset] = value; },
        read32: (offset) => view.getInt32(offset, true),
        write32: (offset, value) => view.setInt32(offset, value, true),
      };
    }
    const region = this.device.bar(bar.index);
    // v86 hands MMIO to a device 8 or 32 bits at a time (a 16-bit access comes as two bytes).
    return {
      bar, base,
      read8: (offset) => { const v = guarded(() => region.read(offset, 1), 0xff); this.syncIntx(); return v; },
      write8: (offset, value) => { guarded(() => region.write(offset, 1, value & 0xff), undefined); this.syncIntx(); },
      read32: (offset) => { const v = guarded(() => region.read(offset, 4), 0xffffffff); this.syncIntx(); return v | 0; },
      write32: (offset, value) => { guarded(() => region.write(offset, 4, value >>> 0), undefined); this.syncIntx(); },
    };
  }
}
