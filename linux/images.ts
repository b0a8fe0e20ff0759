// The images `npm run build:linux` makes (build/linux/), for the Linux tests and benchmarks.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../build/linux/', import.meta.url));
const files = { kernel: 'vmlinuz', initrd: 'initramfs.cpio', bios: 'bios.bin', vgaBios: 'vgabios.bin' };
const missing = Object.values(files).filter((name) => !existsSync(dir + name));

export const LINUX_IMAGES_MISSING = missing.length ? `build/linux/ has no ${missing.join(', ')}: npm run build:linux makes them from Debian's packages` : '';

export const linuxImages = missing.length ? undefined : Object.fromEntries(Object.entries(files).map(([key, name]) => [key, dir + name])) as Record<keyof typeof files, string>;
