// The device models and their -device properties, validated as QEMU's realize functions do,
// with QEMU's messages. Everything here is checked before anything is allocated or connected.
import { QemuError } from '../errors.ts';
import { checkId, parseBool, parseOnOffAuto, parseOptionString, parseUint32, qdictOrder } from '../options/option-string.ts';
import { isPowerOfTwo, parseSize } from '../options/size.ts';
import { VECTORS_MAX } from '../../assembly/layout.ts';
import { parseAddr } from '../pci/topology.ts';
import { parseSdmSpec, SDM_PROPERTIES, type SdmSpec } from '../sdm/options.ts';

export type ModelName = 'ivshmem-plain' | 'ivshmem-doorbell' | 'ivshmem' | 'ivshmem-2010' | 'virtio-sdm';

const COMMON = ['id', 'bus', 'addr'];
// x- properties: opt-in extensions no real device has (see the README); off by default.
const PROPERTIES: Record<ModelName, string[]> = {
  'ivshmem-plain': ['memdev', 'master', 'x-name', ...COMMON],
  'ivshmem-doorbell': ['chardev', 'vectors', 'ioeventfd', 'master', 'x-poll', 'x-peers', 'x-name', ...COMMON],
  ivshmem: ['chardev', 'size', 'vectors', 'ioeventfd', 'msi', 'shm', 'role', 'use64', ...COMMON],
  'ivshmem-2010': ['size', 'name', ...COMMON],
  'virtio-sdm': SDM_PROPERTIES,
};

/** The options of one device, parsed and checked, before realization. */
export interface DeviceSpec {
  model: ModelName;
  id?: string;
  bus?: string;
  addr?: string;
  memdev?: string;
  chardev?: string;
  /** POSIX shm object name (legacy shm=, 2010 without unix:) */
  shm?: string;
  /** legacy and 2010: the BAR2 (BAR1 on 2010) size asked for, in bytes */
  size?: number;
  vectors: number;
  msi: boolean;
  ioeventfd: boolean;
  master: 'on' | 'off' | 'auto';
  use64: boolean;
  /** x-poll: IntrStatus latches a bit per rung vector, read-to-clear, whatever MSI-X does */
  xPoll: boolean;
  /** x-peers: BAR0 0x80..0x9f show the live peer IDs 0..255 as a bitmap */
  xPeers: boolean;
  /** x-name: BAR0 0xc0..0xff hold this name, so a guest can tell its devices apart */
  xName?: string;
  /** virtio-sdm: role and max_slaves (src/sdm/options.ts) */
  sdm?: SdmSpec;
}

/** `-ivshmem <size in MB>,[unix:]name`, the 2010 command line, as an ivshmem-2010 string. */
function desugar2010(text: string): string {
  const rest = text.slice('-ivshmem'.length).trim();
  const comma = rest.indexOf(',');
  if (comma < 0) return `ivshmem-2010,size=${rest}`;
  return `ivshmem-2010,size=${rest.slice(0, comma)},name=${rest.slice(comma + 1).replaceAll(',', ',,')}`;
}

export function isIvshmemModel(name: string): name is ModelName {
  return name in PROPERTIES;
}

/** Looks up what a link property names, with QEMU's error when it is not there (or busy). */
export interface PropertyRefs {
  /** a device id already taken ("Duplicate ID", which QemuOpts reports before anything else) */
  id?(id: string): void;
  /** bus= names a bus that exists (qdev_device_add finds it before setting any property) */
  bus?(name: string): void;
  memdev?(id: string): void;
  /** ivshmem_plain_realize refuses a memdev another device maps */
  memdevFree?(id: string): void;
  chardev?(model: ModelName, id: string): void;
}

// One -device property set on the new device (object_property_parse): its value is parsed, a
// link resolved, or the property does not exist.
function setProperty(spec: DeviceSpec, key: string, value: string, refs: PropertyRefs): void {
  if (!PROPERTIES[spec.model].includes(key)) throw new QemuError(`Property '${spec.model}.${key}' not found`);
  switch (key) {
    case 'vectors': spec.vectors = parseUint32('vectors', value); break;
    case 'ioeventfd': spec.ioeventfd = parseBool('ioeventfd', value); break;
    case 'msi': spec.msi = parseBool('msi', value); break;
    case 'master': spec.master = parseOnOffAuto('master', value); break;
    case 'use64': spec.use64 = parseUint32('use64', value) !== 0; break;
    case 'x-poll': spec.xPoll = parseBool('x-poll', value); break;
    case 'x-peers': spec.xPeers = parseBool('x-peers', value); break;
    case 'x-name':
      if (!/^[\x20-\x7e]{1,63}$/.test(value)) throw new QemuError("Parameter 'x-name' expects 1 to 63 printable ASCII characters");
      spec.xName = value;
      break;
    case 'memdev':
      refs.memdev?.(value);
      spec.memdev = value;
      break;
    case 'chardev':
      if (value === '') break;
      refs.chardev?.(spec.model, value);
      spec.chardev = value;
      break;
    case 'addr': parseAddr(spec.model, value); break;
    // the rest are strings (size, shm, role, name): realize checks them
  }
}

/**
 * Parses and checks a -device string in QEMU's order: the option string itself (and the id), each
 * property as it is set (QEMU 7.2's QDict order for the modern models, the order given for the
 * legacy ones, whose QEMU set them from QemuOpts), then the model's realize checks.
 */
export function parseDeviceSpec(text: string, refs: PropertyRefs = {}): DeviceSpec {
  const source = typeof text === 'string' && text.trim().startsWith('-ivshmem ') ? desugar2010(text.trim()) : text;
  const { driver, props } = parseOptionString(source, 'device');
  if (!isIvshmemModel(driver)) throw new QemuError(`'${driver}' is not a valid device model name`);
  const model = driver;
  const id = props.get('id');
  if (id !== undefined) {
    checkId(id);
    refs.id?.(id);
  }
  if (model === 'virtio-sdm') return parseSdmSpec(props);
  const bus = props.get('bus');
  if (bus !== undefined) refs.bus?.(bus);
  const spec: DeviceSpec = {
    model,
    id,
    bus,
    addr: props.get('addr'),
    vectors: 1,
    msi: model !== 'ivshmem-plain' && model !== 'ivshmem-2010',
    ioeventfd: model === 'ivshmem-doorbell',
    master: model === 'ivshmem' ? 'auto' : 'off',
    use64: true,
    xPoll: false,
    xPeers: false,
  };
  const keys = [...props.keys()].filter((key) => key !== 'id' && key !== 'bus');
  const modern = model === 'ivshmem-plain' || model === 'ivshmem-doorbell';
  for (const key of modern ? qdictOrder(keys) : keys) setProperty(spec, key, props.get(key)!, refs);
  switch (model) {
    case 'ivshmem-plain':
      if (!spec.memdev) throw new QemuError("You must specify a 'memdev'");
      refs.memdevFree?.(spec.memdev);
      break;
    case 'ivshmem-doorbell':
      if (!spec.chardev) throw new QemuError("You must specify a 'chardev'");
      break;
    case 'ivshmem':
      checkLegacy(spec, props);
      break;
    case 'ivshmem-2010':
      check2010(spec, props);
      break;
  }
  if (spec.ioeventfd && !spec.msi) throw new QemuError('ioeventfd/irqfd requires MSI');
  return spec;
}

/** msix_init's check, which QEMU makes after the server handshake (and after the master check). */
export function checkVectors(spec: DeviceSpec): void {
  if (spec.msi && spec.chardev !== undefined && (spec.vectors < 1 || spec.vectors > VECTORS_MAX)) {
    throw new QemuError('Failed to initialize interrupts: The number of MSI-X vectors is invalid');
  }
}

// QEMU 2.5's ivshmem_realize, with the pre-2.6 size check of seed 004.
function checkLegacy(spec: DeviceSpec, props: Map<string, string>): void {
  spec.shm = props.get('shm') || undefined;
  if ((spec.chardev !== undefined) === (spec.shm !== undefined)) {
    throw new QemuError("You must specify either 'shm' or 'chardev'");
  }
  const sizeText = props.get('size');
  if (sizeText === undefined) {
    spec.size = 4 << 20;
  } else {
    const size = parseSize(sizeText, 'm');
    if (size === undefined || size > BigInt(Number.MAX_SAFE_INTEGER) || !isPowerOfTwo(Number(size))) {
      throw new QemuError(`Invalid size ${sizeText}`);
    }
    spec.size = Number(size);
  }
  const role = props.get('role');
  if (role !== undefined) {
    if (role === 'peer') spec.master = 'off';
    else if (role === 'master') spec.master = 'on';
    else throw new QemuError("'role' must be 'peer' or 'master'");
  }
}

// The 2010 patch: size in MB, a power of two; `unix:PATH` names a server, else a shm object.
function check2010(spec: DeviceSpec, props: Map<string, string>): void {
  const sizeText = props.get('size') ?? '';
  const size = /^[0-9]+$/.test(sizeText) ? Number(sizeText) * (1 << 20) : NaN;
  if (!Number.isSafeInteger(size) || size <= 0) throw new QemuError(`qemu: invalid ram size: ${sizeText}`);
  if (!isPowerOfTwo(size)) throw new QemuError('ivshmem: size must be power of 2');
  spec.size = size;
  const name = props.get('name');
  if (!name) throw new QemuError('ivshmem: a shared memory object name or unix:path is required');
  if (name.startsWith('unix:')) spec.chardev = name.slice('unix:'.length);
  else spec.shm = name;
  spec.msi = false;
  spec.master = 'auto';
}
