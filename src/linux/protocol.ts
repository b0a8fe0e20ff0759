// The control plane of a Linux VM's worker (src/linux-worker.ts): the VM worker's start, with the
// images to boot, and the serial console's input. The console's output comes back on the VM's log
// channel, as text in the order the guest wrote it.
import type { VmInit, VmInspection, VmStarted } from '../vm/protocol.ts';

/** An image: a URL (http(s):, file: in Node, or relative to the page) or its bytes. */
export type LinuxImage = string | URL | ArrayBuffer | Uint8Array;

export interface LinuxOptions {
  /** a bzImage (Debian's i386 vmlinuz) */
  kernel: LinuxImage;
  /** an initramfs (newc cpio, compressed or not) */
  initrd: LinuxImage;
  /** the PC BIOS (SeaBIOS's bios.bin) */
  bios: LinuxImage;
  /** the VGA BIOS (SeaBIOS's vgabios-stdvga.bin) */
  vgaBios: LinuxImage;
  /** the kernel's command line (default: serial console on ttyS0, no ACPI) */
  cmdline?: string;
  /** guest RAM in MiB (default 96) */
  memoryMiB?: number;
}

/** What the worker gets: images as bytes (the host fetched nothing; the worker loads URLs). */
export interface LinuxInit extends VmInit {
  linux: Required<LinuxOptions>;
}

export interface LinuxApi {
  start(init: LinuxInit): Promise<VmStarted>;
  /** bytes typed on the serial console */
  send(text: string): void;
  inspect(): VmInspection;
}

export const DEFAULT_CMDLINE = 'console=ttyS0 acpi=off mitigations=off tsc=reliable';
export const DEFAULT_MEMORY_MIB = 96;
