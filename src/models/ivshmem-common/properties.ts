// The -device properties of the ivshmem family, as QEMU's property setters parse them
// (object_property_parse): each is parsed as it is set, a link is looked up, or the property does
// not exist. A model lists the ones it has; `id` is checked before, by the generic parser.
import { QemuError } from '../../errors.ts';
import { parseBool, parseOnOffAuto, parseUint32, qdictOrder } from '../../options/option-string.ts';
import { parseAddr } from '../../pci/topology.ts';
import type { PropertyRefs, SpecBase } from '../../device/model.ts';

/** What every PCI ivshmem spec has besides its own properties. */
export interface PciSpec extends SpecBase {
  bus?: string;
  addr?: string;
}

/** The opt-in extensions no real device has (README "Opt-in extensions"); off by default. */
export interface Extensions {
  /** x-poll: IntrStatus latches a bit per rung vector, read-to-clear, whatever MSI-X does */
  xPoll?: boolean;
  /** x-peers: BAR0 0x80..0x9f show the live peer IDs 0..255 as a bitmap */
  xPeers?: boolean;
  /** x-name: BAR0 0xc0..0xff hold this name, so a guest can tell its devices apart */
  xName?: string;
}

type Setter<S> = (spec: S, value: string, refs: PropertyRefs) => void;

/** The family's property setters, by name; a model picks the ones it has. */
export const setters = {
  vectors: (spec: { vectors: number }, value: string) => { spec.vectors = parseUint32('vectors', value); },
  ioeventfd: (spec: { ioeventfd: boolean }, value: string) => { spec.ioeventfd = parseBool('ioeventfd', value); },
  msi: (spec: { msi: boolean }, value: string) => { spec.msi = parseBool('msi', value); },
  master: (spec: { master: 'on' | 'off' | 'auto' }, value: string) => { spec.master = parseOnOffAuto('master', value); },
  use64: (spec: { use64: boolean }, value: string) => { spec.use64 = parseUint32('use64', value) !== 0; },
  'x-poll': (spec: Extensions, value: string) => { spec.xPoll = parseBool('x-poll', value); },
  'x-peers': (spec: Extensions, value: string) => { spec.xPeers = parseBool('x-peers', value); },
  'x-name': (spec: Extensions, value: string) => {
    if (!/^[\x20-\x7e]{1,63}$/.test(value)) throw new QemuError("Parameter 'x-name' expects 1 to 63 printable ASCII characters");
    spec.xName = value;
  },
  memdev: (spec: { memdev?: string }, value: string, refs: PropertyRefs) => {
    refs.memdev?.(value);
    spec.memdev = value;
  },
  chardev: (spec: SpecBase & { chardev?: string }, value: string, refs: PropertyRefs) => {
    if (value === '') return;
    refs.chardev?.(spec.model, value);
    spec.chardev = value;
  },
  addr: (spec: PciSpec, value: string) => {
    parseAddr(spec.model, value);
    spec.addr = value;
  },
  // checked by the model's realize, as QEMU's legacy ivshmem checks them
  size: () => {},
  shm: () => {},
  role: () => {},
  name: () => {},
} satisfies Record<string, Setter<never>>;

export type PropertyName = keyof typeof setters;

/**
 * Sets each property in QEMU's order: 7.2's QDict order for the qdev models (ivshmem-plain and
 * -doorbell), the order given for the ones QEMU set from QemuOpts. `bus` is looked up first, as
 * qdev_device_add finds the bus before setting any property.
 */
export function setProperties<S extends PciSpec>(
  spec: S, props: Map<string, string>, names: readonly PropertyName[], order: 'qdict' | 'given', refs: PropertyRefs,
): void {
  const bus = props.get('bus');
  if (bus !== undefined) {
    refs.bus?.(bus);
    spec.bus = bus;
  }
  const keys = [...props.keys()].filter((key) => key !== 'id' && key !== 'bus');
  for (const key of order === 'qdict' ? qdictOrder(keys) : keys) {
    if (!(names as readonly string[]).includes(key)) throw new QemuError(`Property '${spec.model}.${key}' not found`);
    (setters[key as PropertyName] as Setter<S>)(spec, props.get(key)!, refs);
  }
}
