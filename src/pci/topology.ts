// The PCI topology devices sit on: the machine's root bus (pci.0 on pc, pcie.0 on q35), PCIe root
// ports and PCI bridges that add buses, and a slot/function for every device. It exists so that
// hotplug below a root port and a bridge (QEMU's hotplug-q35 test) is checked as QEMU checks it.
import { QemuError } from '../errors.ts';
import { parseOptionString } from '../options/option-string.ts';

export type Machine = 'pc' | 'q35';

interface Bus {
  name: string;
  express: boolean;
  /** the number of device slots (a root port's bus has one) */
  slots: number;
  /** "slot.function" -> the occupant's description */
  used: Map<string, string>;
  /** the bridge or root port providing this bus (undefined for the root bus) */
  owner?: BusDevice;
}

/** A root port or bridge: a device on one bus that provides another. */
export class BusDevice {
  /** @internal bridges are made by host.realize */
  constructor(
    readonly model: string,
    readonly id: string,
    readonly parentBus: string,
    readonly address: string,
    private readonly topology: Topology,
  ) {}

  unrealize(): void {
    this.topology.remove(this);
  }
}

export interface Placement {
  bus: string;
  address: string;
}

const BRIDGES: Record<string, { props: string[]; express: boolean; parentExpress: boolean | undefined; slots: number }> = {
  'pcie-root-port': { props: ['id', 'bus', 'addr', 'chassis', 'slot', 'port'], express: true, parentExpress: true, slots: 1 },
  'pcie-pci-bridge': { props: ['id', 'bus', 'addr'], express: false, parentExpress: true, slots: 32 },
  'pci-bridge': { props: ['id', 'bus', 'addr', 'chassis_nr'], express: false, parentExpress: undefined, slots: 32 },
};

function formatAddress(slot: number, fn: number): string {
  return `${slot.toString(16).padStart(2, '0')}.${fn}`;
}

// What a fresh `qemu-system-x86_64 -M pc|q35` puts on its root bus before any -device (QEMU 7.2,
// `info pci`): the chipset, the default VGA and the default NIC. A VM's device goes after them:
// 00:04.0 on pc, 00:03.0 on q35, as in that QEMU.
const DEFAULT_DEVICES: Record<Machine, [number, string][]> = {
  pc: [[0, 'i440FX'], [1, 'PIIX3'], [2, 'VGA'], [3, 'e1000']],
  q35: [[0, 'mch'], [1, 'VGA'], [2, 'e1000e'], [31, 'ICH9-LPC']],
};

export class Topology {
  private readonly buses = new Map<string, Bus>();
  /** devices placed on each bus, to unplug with their bridge */
  private readonly children = new Map<string, Set<{ unrealize(): void }>>();
  /** called for every bridge removed, nested ones included */
  onBridgeRemoved: (bridge: BusDevice) => void = () => {};

  constructor(readonly machine: Machine) {
    const root = machine === 'q35' ? 'pcie.0' : 'pci.0';
    this.buses.set(root, { name: root, express: machine === 'q35', slots: 32, used: new Map() });
  }

  /** The machine of a freshly started QEMU (one per VM): its default devices hold their slots. */
  static fresh(machine: Machine): Topology {
    const topology = new Topology(machine);
    const root = topology.buses.get(topology.rootBus)!;
    for (const [slot, name] of DEFAULT_DEVICES[machine]) root.used.set(formatAddress(slot, 0), name);
    return topology;
  }

  get rootBus(): string {
    return this.machine === 'q35' ? 'pcie.0' : 'pci.0';
  }

  isBridgeModel(model: string): boolean {
    return model in BRIDGES;
  }

  hasBus(name: string): boolean {
    return this.buses.has(name);
  }

  /** Checks that a device can go on `bus` at `addr` (changes nothing); returns where. */
  place(model: string, bus: string | undefined, addr: string | undefined): Placement {
    const name = bus ?? this.rootBus;
    const target = this.buses.get(name);
    if (!target) throw new QemuError(`Bus '${name}' not found`);
    if (addr !== undefined) {
      const { slot, fn } = parseAddr(model, addr);
      if (slot >= target.slots) {
        throw new QemuError(`Unsupported PCI slot ${slot} for standard hotplug controller. Valid slots are between 0 and ${target.slots - 1}.`);
      }
      const address = formatAddress(slot, fn);
      const occupant = target.used.get(address);
      if (occupant) throw new QemuError(`PCI: slot ${slot} function ${fn} not available for ${model}, in use by ${occupant}`);
      return { bus: name, address };
    }
    // The pc machine's slots 0 and 1 hold the host bridge and the ISA bridge; q35's slot 0 the host bridge.
    const first = target.owner ? 0 : this.machine === 'pc' ? 2 : 1;
    for (let slot = first; slot < target.slots; slot++) {
      const address = formatAddress(slot, 0);
      if (!target.used.has(address)) return { bus: name, address };
    }
    throw new QemuError(`PCI: no slot/function available for ${model}, all in use or reserved`);
  }

  occupy(placement: Placement, description: string, device: { unrealize(): void }): void {
    this.buses.get(placement.bus)!.used.set(placement.address, description);
    const set = this.children.get(placement.bus) ?? new Set();
    set.add(device);
    this.children.set(placement.bus, set);
  }

  vacate(placement: Placement, device: { unrealize(): void }): void {
    this.buses.get(placement.bus)?.used.delete(placement.address);
    this.children.get(placement.bus)?.delete(device);
  }

  /** `-device pcie-root-port,id=...` and the bridges. */
  addBridge(text: string, idTaken: (id: string) => boolean): BusDevice {
    const { driver, props } = parseOptionString(text, 'device');
    const kind = BRIDGES[driver];
    for (const key of props.keys()) {
      if (!kind.props.includes(key)) throw new QemuError(`Property '${driver}.${key}' not found`);
    }
    const id = props.get('id');
    if (!id) throw new QemuError(`${driver} needs an id to name the bus it provides`);
    if (idTaken(id)) throw new QemuError(`Duplicate ID '${id}' for device`);
    const placement = this.place(driver, props.get('bus'), props.get('addr'));
    const parent = this.buses.get(placement.bus)!;
    if (kind.parentExpress === true && !parent.express) {
      throw new QemuError(`${driver} can only be plugged into a PCI Express bus, and '${parent.name}' is not one`);
    }
    const device = new BusDevice(driver, id, placement.bus, placement.address, this);
    this.occupy(placement, `${driver},id=${id}`, device);
    this.buses.set(id, { name: id, express: kind.express, slots: kind.slots, used: new Map(), owner: device });
    return device;
  }

  /** Unplugging a bridge unplugs everything below it first, as device_del does. */
  remove(bridge: BusDevice): void {
    if (!this.buses.has(bridge.id)) return;
    for (const child of [...(this.children.get(bridge.id) ?? [])]) child.unrealize();
    this.buses.delete(bridge.id);
    this.children.delete(bridge.id);
    this.vacate({ bus: bridge.parentBus, address: bridge.address }, bridge);
    this.onBridgeRemoved(bridge);
  }
}

/** `addr=SLOT[.FN]` as the PCI device's addr property parses it (hex slot). */
export function parseAddr(model: string, addr: string): { slot: number; fn: number } {
  const match = /^(?:0x)?([0-9a-f]{1,2})(?:\.([0-7]))?$/i.exec(addr);
  if (!match) throw new QemuError(`Property '${model}.addr' doesn't take value '${addr}'`);
  return { slot: parseInt(match[1], 16), fn: Number(match[2] ?? 0) };
}
