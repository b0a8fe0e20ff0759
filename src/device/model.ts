// What a device model declares, as QEMU's qdev models do (a TypeInfo with its properties,
// realize, unrealize and vmstate): the generic pipeline (src/realize/, src/vm/spawn.ts,
// src/vm-worker.ts) and the generic device (src/device/) read only this, and never a model's
// name. Adding a model is a folder under src/models/ that exports one of these, plus its line in
// src/models/index.ts.
import type { CoreExports } from '../core/core.ts';
import type { Device, Migration } from './device.ts';
import type { DeviceLayout, MemoryPlace } from './layout.ts';
import type { Transaction } from './transaction.ts';
import type { MemoryBackend, SharedFile } from '../memory/backend.ts';
import type { Placement, Topology } from '../pci/topology.ts';
import type { ServerEndpoint } from '../server/server.ts';
import type { SdmSocketOptions } from '../chardev/sdm-socket.ts';
import type { ClientDevice, DeviceClient, ServerDialect } from './server-client.ts';

/** What every model's spec has: its model name and its id=. The rest is the model's own. */
export interface SpecBase {
  model: string;
  id?: string;
}

/**
 * How a -device property's link is looked up, with QEMU's error when it is not there. Called as
 * the model parses, so errors come in QEMU's order.
 */
export interface PropertyRefs {
  /** bus= names a bus that exists (qdev_device_add finds it before setting any property) */
  bus?(name: string): void;
  /** a memory backend: memdev= */
  memdev?(id: string): void;
  /** ivshmem_plain_realize refuses a memdev another device maps */
  memdevFree?(id: string): void;
  /** a chardev= naming a server (or an SDM socket) */
  chardev?(model: string, id: string): void;
}

/** What a model looks at when it resolves its spec: the machine it plugs into, and the host's objects. */
export interface ResolveContext {
  /** the machine the device goes on: the host's own, or a VM's (its own QEMU process) */
  topology: Topology;
  objects: ReadonlyMap<string, MemoryBackend>;
  files: ReadonlyMap<string, SharedFile>;
  findServer(name: string): ServerEndpoint | undefined;
  sdmSocket(name: string): SdmSocketOptions | undefined;
  /** a realized device by id (host devices and VMs' devices) */
  findDevice(id: string): Device | undefined;
  /** how many peers a device can track (Host.create({ maxPeers })) */
  maxPeers: number;
}

/**
 * What a spec needs of the host, found and checked with no side effect: the generic pipeline takes
 * these resources in a transaction. A plan that resolved is realized unless a resource runs out.
 */
export interface DevicePlan {
  /** the block's vector count, and the eventfds per peer its peer table holds */
  vectors: number;
  /** a PCI function's slot (a virtio-mmio device has none) */
  placement?: Placement;
  /** a memdev this device maps, held for it (one device per memdev) */
  backend?: MemoryBackend;
  /** a host file it maps (the legacy shm=), created at realize if it is not there */
  file?: { path: string; size: number };
  /** the ivshmem-server behind its chardev= */
  server?: ServerEndpoint;
}

/** What a model's own acquire step gets: the block just taken and the transaction to register in. */
export interface AcquireContext {
  core: CoreExports;
  memory: WebAssembly.Memory;
  block: number;
  tx: Transaction;
  /** the spawn options the model declared (src/vm/spawn.ts), or undefined for host.realize */
  spawn?: Record<string, unknown>;
}

/** How the device speaks the ivshmem-server protocol. */
export interface ServerRules<S extends SpecBase> {
  /** QEMU >= 2.6 finishes the handshake in realize; the 2010 device takes messages as they come */
  inRealize: boolean;
  /** throws a QemuError if the device cannot map the server's memory of this size */
  checkMemory?(spec: S, size: number): void;
  /** after the handshake (QEMU checks master=on only then) */
  checkId?(spec: S, id: number): void;
  /** how it reads the server's messages, where that differs from QEMU's ivshmem (ivshmem-flat) */
  readonly dialect?: ServerDialect;
  /** the device's side of another protocol than ivshmem-server's (version 0, ServerClient) */
  client?(device: ClientDevice, spec: S): DeviceClient;
}

/** A device block as its layout reads it: what the server told the device is kept there. */
export interface BlockView {
  view: DataView;
  block: number;
}

/** A guest program's view of its VM, as a model's guest offer sees it. */
export interface GuestContext {
  readonly device: Device;
  wait(options: { mode?: 'block' | 'poll' | 'spin'; timeoutMs?: number }): number;
  waitAsync(options: { timeoutMs?: number }): Promise<number>;
}

/** What a model adds to the guest API (`vm.<key>`), and a gate the VM's programs wait behind. */
export interface GuestOffer {
  members: Record<string, unknown>;
  /** resolves when a program may run (virtio-sdm: once booted by its master) */
  ready?(): Promise<void>;
}

/** An option of `host.spawn` that belongs to one model (virtio-sdm's `boot: 'sdm'`). */
export interface SpawnOption {
  name: string;
  /** the value it accepts, said in the refusal */
  accepts: string;
  check(value: unknown): boolean;
}

export interface DeviceModel<S extends SpecBase = SpecBase, P extends DevicePlan = DevicePlan> {
  /** the -device driver name */
  readonly name: string;
  /** the core's model number in the device block (assembly's MODEL_*) */
  readonly coreId: number;
  /** a command-line shorthand for it (`-ivshmem <size>,<name>`), turned into a -device string */
  readonly shorthand?: { prefix: string; expand(text: string): string };
  /**
   * Parses and checks the properties (the id is checked before), in QEMU's order and with its
   * messages: everything QEMU checks before it takes a resource.
   */
  parse(props: Map<string, string>, refs: PropertyRefs): S;
  /** What the device needs, found and checked against the machine with no side effect. */
  resolve(spec: S, context: ResolveContext): P;
  /** Model resources taken after the block (joining an SDM group), each registered in `tx`. */
  acquire?(spec: S, plan: P, context: AcquireContext): void;
  /**
   * false: the block is not reset when the device is built, because the model's acquire set it up
   * and what reached it since must stay (virtio-sdm: signals its group sent before the build).
   */
  readonly resetAtBuild?: false;
  /** Where its memory is when it is in its own device block (a virtio-mmio device's guest RAM). */
  ownMemory?(block: number): MemoryPlace;
  /** Its server protocol, for a model that has a chardev to an ivshmem-server. */
  readonly server?: ServerRules<S>;
  /**
   * Its registers, BARs and interrupts, for memory of `memorySize` bytes, and for what its server
   * told it (read from its block, on the host as in its VM: the pipeline always passes it).
   */
  layout(spec: S, memorySize: number, block?: BlockView): DeviceLayout;
  /** Its migration (QEMU's vmstate): what save() and load() do. */
  readonly migration: Migration;
  /** What it adds to the host's Device (`device.<key>`), read from its block. */
  host?(device: Device, view: DataView): Record<string, unknown>;
  /** What it adds to the guest API. */
  guest?(guest: GuestContext, core: CoreExports, memory: WebAssembly.Memory): GuestOffer;
  /** What a driver's probe does beyond enabling the function and MSI-X (`vm.bringUp()`): ivshmem-v2's Interrupt Control. */
  bringUp?(device: Device): void;
  /** host.spawn options of its own */
  readonly spawnOptions?: readonly SpawnOption[];
}

// Each model has its own spec and plan types; the registry only dispatches by name.
export type AnyModel = DeviceModel<any, any>;

/**
 * The models a host can realize (src/models/index.ts). Handed to the generic code by the two
 * entry points that know every model, the host (src/host.ts) and the VM worker (src/vm-worker.ts),
 * so the generic code depends on no model.
 */
export interface ModelRegistry {
  readonly all: readonly AnyModel[];
  find(name: string): AnyModel | undefined;
  /** a command-line shorthand (`-ivshmem 4,name`) as the -device string it stands for; other text as it is */
  expand(text: string): string;
}
