// Memory backends in QEMU's -object syntax: memory-backend-ram, -memfd and -file. A backend is a
// region of the host's shared memory. Files (mem-path) live in the host's file table like files
// on /dev/shm: every share=on backend naming the same path maps the same bytes; share=off maps a
// private copy. ram and memfd backends are anonymous: no other backend can reach their memory.
import { QemuError } from '../errors.ts';
import { checkId, parseBool, parseOptionString } from '../options/option-string.ts';
import { hex, parseSize } from '../options/size.ts';
import type { Region } from './region-allocator.ts';

export type BackendType = 'memory-backend-ram' | 'memory-backend-memfd' | 'memory-backend-file';

const PROPERTIES: Record<BackendType, string[]> = {
  'memory-backend-ram': ['id', 'size', 'share', 'prealloc', 'merge', 'dump'],
  'memory-backend-memfd': ['id', 'size', 'share', 'prealloc', 'merge', 'dump', 'seal', 'hugetlb'],
  'memory-backend-file': ['id', 'size', 'share', 'prealloc', 'merge', 'dump', 'mem-path', 'discard-data', 'align'],
};

/** What a backend needs from the host: memory to map, and the file table. */
export interface BackendHost {
  allocate(size: number, what: string): Region;
  files: Map<string, SharedFile>;
  copy(from: Region, to: Region, size: number): void;
  hasId(id: string): boolean;
}

/** A file on the host (/dev/shm/NAME or any mem-path): a region that outlives its users. */
export interface SharedFile {
  path: string;
  region: Region;
  size: number;
}

export interface BackendOptions {
  type: BackendType;
  id: string;
  size: number;
  share: boolean;
  memPath?: string;
}

export function parseBackend(text: string): BackendOptions {
  const { driver, props } = parseOptionString(text, 'object');
  if (!(driver in PROPERTIES)) throw new QemuError(`invalid object type: ${driver}`);
  const type = driver as BackendType;
  for (const key of props.keys()) {
    if (!PROPERTIES[type].includes(key)) throw new QemuError(`Property '${type}.${key}' not found`);
  }
  for (const key of ['share', 'prealloc', 'merge', 'dump', 'seal', 'hugetlb', 'discard-data']) {
    const value = props.get(key);
    if (value !== undefined) parseBool(key, value);
  }
  const id = checkId(props.get('id'));
  const sizeText = props.get('size');
  const size = sizeText === undefined ? 0n : parseSize(sizeText);
  if (size === undefined) throw new QemuError("Parameter 'size' expects a non-negative number below 2^64");
  if (size === 0n) throw new QemuError("can't create backend with size 0");
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new QemuError(`cannot set up guest memory '${id}': Cannot allocate memory`);
  const memPath = props.get('mem-path');
  if (type === 'memory-backend-file' && !memPath) throw new QemuError('mem-path property not set');
  return { type, id, size: Number(size), share: parseBool('share', props.get('share') ?? 'off'), memPath };
}

export class MemoryBackend {
  /** @internal The device that maps this backend, if any: one memdev backs one device. */
  mappedBy: object | undefined;

  private constructor(
    readonly options: BackendOptions,
    readonly region: Region,
    /** the region is the file's own (shared), not a private one */
    readonly sharedWithFile: boolean,
  ) {}

  get id(): string { return this.options.id; }
  get size(): number { return this.options.size; }

  /** @internal backends are made by host.addObject */
  static create(host: BackendHost, options: BackendOptions): MemoryBackend {
    if (host.hasId(options.id)) {
      throw new QemuError(`attempt to add duplicate property '${options.id}' to object (type 'container')`);
    }
    if (options.type !== 'memory-backend-file') {
      return new MemoryBackend(options, host.allocate(options.size, options.id), false);
    }
    const path = options.memPath!;
    let file = host.files.get(path);
    if (file && file.size < options.size) {
      throw new QemuError(`backing store size ${hex(file.size)} does not match 'size' option ${hex(options.size)}`);
    }
    if (!file) {
      file = { path, region: host.allocate(options.size, options.id), size: options.size };
      host.files.set(path, file);
    }
    if (options.share) return new MemoryBackend(options, file.region, true);
    const copy = host.allocate(options.size, options.id);
    host.copy(file.region, copy, options.size);
    return new MemoryBackend(options, copy, false);
  }
}
