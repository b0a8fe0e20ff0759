// The Host: one shared WebAssembly.Memory and everything a real host would hold around its VMs:
// memory backends (-object), files on /dev/shm, ivshmem servers, and realized devices (-device).
// It runs on one thread (the page's main thread, or Node's), allocates every region, and never
// blocks: guests wait, the host only looks.
import * as L from '../assembly/layout.ts';
import { compileCore, eventfdIsLive, instantiateCore, type CoreExports } from './core/core.ts';
import { QemuError, checkInteger, checkString, show } from './errors.ts';
import { DEFAULT_MAX_PEERS, MAX_PEERS_LIMIT } from './device/peer-table.ts';
import { MemoryBackend, parseBackend, type SharedFile } from './memory/backend.ts';
import { RegionAllocator, type Region } from './memory/region-allocator.ts';
import { parseSize, formatSize } from './options/size.ts';
import { checkId } from './options/option-string.ts';
import { Server, type ServerOptions, type ServerConnection, type ServerEndpoint } from './server/server.ts';
import { Device } from './device/device.ts';
import { DeviceBlocks } from './device/blocks.ts';
import { realizeDevice, type RealizeHost, type ResolvedDevice } from './device/realize.ts';
import { BusDevice, Topology, type Machine, type Placement } from './pci/topology.ts';
import { spawnVm, type SpawnOptions, Vm } from './vm/spawn.ts';
import { IvshmemClient } from './server/ivshmem-client.ts';
import { Tracer } from './trace/tracer.ts';
import { checkSdmSocket, type SdmSocketOptions } from './sdm/socket-channel.ts';

export interface HostOptions {
  /** size of the shared memory, QEMU style ('64M', '1G'; a bare number is MiB as for -m); default 64M */
  memory?: string | number;
  /** the machine type: 'pc' (root bus pci.0, the default) or 'q35' (root bus pcie.0) */
  machine?: Machine;
  /**
   * how many peers each device can track, itself included (default 1024, up to 65536); each
   * takes 8 + 4 x min(vectors, 64) bytes of the device's peer table. A realize or spawn on a
   * server that already has this many clients is refused.
   */
  maxPeers?: number;
  /**
   * The accelerator the VMs run under, for what it changes in ivshmem-doorbell: 'kvm' (the
   * default, how ivshmem is usually run) keeps a doorbell that arrives before the guest enables
   * MSI-X pending (irqfd); 'tcg' (QEMU without KVM, and under qtest) drops it.
   */
  accel?: 'kvm' | 'tcg';
}

const ACCELS = { kvm: L.ACCEL_KVM, tcg: L.ACCEL_TCG } as const;

function checkAccel(accel: unknown): 'kvm' | 'tcg' {
  if (accel === 'kvm' || accel === 'tcg') return accel;
  throw new QemuError(`invalid accelerator ${String(accel)}`);
}

/** An options argument: a plain object (undefined is for the caller's default to handle). */
function checkOptions(call: string, options: unknown): asserts options is Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new QemuError(`${call}: the options must be an object, not ${show(options)}`);
  }
}

function checkMachine(machine: unknown): Machine {
  if (machine !== 'pc' && machine !== 'q35') throw new QemuError(`unsupported machine type: ${typeof machine === 'string' ? machine : show(machine)} (use 'pc' or 'q35')`);
  return machine;
}

const WASM_PAGE = 65536;
const MAX_MEMORY = 65536 * WASM_PAGE - WASM_PAGE;

function memoryBytes(option: unknown): number {
  const size = typeof option === 'number' ? option * (1 << 20)
    : option === undefined || typeof option === 'string' ? Number(parseSize(option ?? '64M', 'm') ?? NaN) : NaN;
  if (!Number.isSafeInteger(size) || size <= 0) throw new QemuError(`Invalid memory size: ${typeof option === 'string' ? option : show(option)}`);
  if (size > MAX_MEMORY) throw new QemuError(`memory size ${formatSize(size)} is above what a WebAssembly memory can hold (4G - 64K)`);
  if (size < L.CONTROL_END + L.DEVICE_BLOCK_SIZE) {
    throw new QemuError(`memory size ${formatSize(size)} is below the minimum of ${formatSize(Math.ceil((L.CONTROL_END + L.DEVICE_BLOCK_SIZE) / WASM_PAGE) * WASM_PAGE)}`);
  }
  return Math.ceil(size / WASM_PAGE) * WASM_PAGE;
}

/** What a host holds at one moment (`host.resources()`), for leak checks. */
export interface HostResources {
  /** realized devices, VM devices included */
  devices: number;
  /** VM workers alive */
  vms: number;
  /** device blocks kept for reuse */
  spareBlocks: number;
  /** eventfd slots someone holds a reference to (a server, a device, a client) */
  eventfds: number;
  /** eventfd slots bound to a device (its own receive vectors) */
  boundEventfds: number;
  /** bytes of the shared memory not handed out */
  freeBytes: number;
}

interface Attachment {
  backend?: MemoryBackend;
  connection?: ServerConnection;
  /** on the host's own machine (a VM's device is on the VM's) */
  placement?: Placement;
  /** what else to undo when the device goes (virtio-sdm: leave its group) */
  cleanup?: () => void;
  /** the device lives in this VM's worker; the host holds a view of it */
  vm?: Vm;
}

export class Host implements RealizeHost {
  readonly objects = new Map<string, MemoryBackend>();
  readonly servers = new Map<string, ServerEndpoint>();
  /** SDM socket chardevs (addSdmSocket), for virtio-sdm's chardev= */
  readonly sdmSockets = new Map<string, SdmSocketOptions>();
  readonly files = new Map<string, SharedFile>();
  readonly deviceIds = new Set<string>();
  readonly topology: Topology;
  private readonly bridges = new Map<string, BusDevice>();
  private readonly liveDevices = new Map<Device, Attachment>();
  private readonly blocks: DeviceBlocks;
  private readonly allocator: RegionAllocator;
  private nextSlot = 0;
  /** The protocol trace: start(), stop(), drain() the events of every thread (src/trace/). */
  readonly trace: Tracer;

  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly core: CoreExports,
    /** the compiled core, for VM workers to instantiate */
    readonly module: WebAssembly.Module,
    machine: Machine,
    /** how many peers each device can track (HostOptions.maxPeers) */
    readonly maxPeers: number,
  ) {
    this.topology = new Topology(machine);
    this.topology.onBridgeRemoved = (bridge) => {
      this.bridges.delete(bridge.id);
      this.deviceIds.delete(bridge.id);
    };
    this.allocator = new RegionAllocator(L.CONTROL_END, memory.buffer.byteLength);
    this.trace = new Tracer({ memory, core, allocate: (size, what) => this.allocate(size, what), release: (region) => this.allocator.release(region) });
    this.blocks = new DeviceBlocks(memory, (size, what) => this.allocate(size, what), (region) => this.allocator.release(region));
    const view = new DataView(memory.buffer);
    view.setUint32(L.HEADER_MAGIC, L.MAGIC, true);
    view.setUint32(L.HEADER_VERSION, L.LAYOUT_VERSION, true);
    view.setUint32(L.HEADER_MEMORY_SIZE, memory.buffer.byteLength, true);
  }

  static async create(options: HostOptions = {}): Promise<Host> {
    checkOptions('Host.create', options);
    const machine = checkMachine(options.machine ?? 'pc');
    const maxPeers = options.maxPeers === undefined ? DEFAULT_MAX_PEERS : checkInteger('maxPeers', options.maxPeers, 1, MAX_PEERS_LIMIT);
    const accel = checkAccel(options.accel ?? 'kvm');
    const pages = memoryBytes(options.memory) / WASM_PAGE;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const module = await compileCore();
    const host = new Host(memory, await instantiateCore(memory, module), module, machine, maxPeers);
    new DataView(memory.buffer).setUint32(L.HEADER_ACCEL, ACCELS[accel], true);
    return host;
  }

  /** The accelerator given to Host.create ('kvm' unless said otherwise). */
  get accel(): 'kvm' | 'tcg' {
    return new DataView(this.memory.buffer).getUint32(L.HEADER_ACCEL, true) === L.ACCEL_TCG ? 'tcg' : 'kvm';
  }

  /** The whole shared memory as bytes (what every worker maps). */
  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  get devices(): Device[] {
    return [...this.liveDevices.keys()];
  }

  /** `-object memory-backend-{ram,memfd,file},id=ID,size=S[,share=on][,mem-path=P]` */
  addObject(text: string): MemoryBackend {
    const options = parseBackend(text);
    const backend = MemoryBackend.create(this, options);
    this.objects.set(backend.id, backend);
    return backend;
  }

  /** Deletes an unused memory backend (`object_del`). */
  deleteObject(id: string): void {
    checkString('object_del: the id', id);
    const backend = this.objects.get(id);
    if (!backend) throw new QemuError(`object '${id}' not found`);
    if (backend.mappedBy) throw new QemuError(`object '${id}' is in use, can not be deleted`);
    this.objects.delete(id);
    if (!backend.sharedWithFile) this.allocator.release(backend.region);
  }

  /** Starts an ivshmem-server; its id is the chardev id devices connect with. */
  addServer(options: ServerOptions): Server {
    checkOptions('addServer', options);
    if (options.socket !== undefined) checkString('the socket path', options.socket);
    this.checkChardev(options.id, options.socket ?? '/tmp/ivshmem_socket');
    const server = new Server(this, options);
    server.onSend = (to, message) => this.trace.server(to, message);
    this.servers.set(server.id, server);
    return server;
  }

  /**
   * A host-side client of a server, as contrib/ivshmem-client is: it rings any peer's vectors and
   * hears its own (`client.command('int 1 0')`, `client.notifications`).
   */
  connectClient(chardev: string): IvshmemClient {
    checkString('connectClient: the chardev', chardev);
    const server = this.findServer(chardev);
    if (!server) throw new QemuError(`Failed to connect to '${chardev}': No such file or directory`);
    const client = new IvshmemClient(this.core, this.memory);
    client.attach(server);
    return client;
  }

  /** The server behind a chardev id, or listening on a socket path. */
  findServer(name: string): ServerEndpoint | undefined {
    return this.servers.get(name) ?? [...this.servers.values()].find((s) => s.socket === name);
  }

  /** A chardev to a server of your own making: any object that speaks the protocol. */
  addChardev(endpoint: ServerEndpoint): void {
    checkOptions('addChardev', endpoint);
    if (typeof endpoint.connect !== 'function' || typeof endpoint.nextId !== 'function') {
      throw new QemuError('addChardev: the endpoint needs connect(sink) and nextId() (see ServerEndpoint)');
    }
    if (endpoint.socket !== undefined) checkString('the socket path', endpoint.socket);
    this.checkChardev(endpoint.id, endpoint.socket);
    this.servers.set(endpoint.id, endpoint);
  }

  /**
   * A chardev to the SDM relay: `virtio-sdm,...,chardev=ID` then joins `room` with `token` at
   * `url` (ws://127.0.0.1:8765 from `npx ivshmem-wasm sdm-relay`, or the dev server's /sdm-relay).
   */
  addSdmSocket(options: SdmSocketOptions): SdmSocketOptions {
    checkOptions('addSdmSocket', options);
    this.checkChardev(options.id, undefined);
    const chardev = checkSdmSocket(options);
    this.sdmSockets.set(chardev.id, chardev);
    return chardev;
  }

  private checkChardev(id: unknown, socket: string | undefined): void {
    checkId(id);
    if (this.sdmSockets.has(id as string)) throw new QemuError(`attempt to add duplicate property '${id}' to object (type 'container')`);
    if (this.servers.has(id as string)) throw new QemuError(`attempt to add duplicate property '${id}' to object (type 'container')`);
    // A chardev without a socket path (a server of one's own) binds nothing.
    if (socket !== undefined && [...this.servers.values()].some((s) => s.isRunning && s.socket === socket)) {
      throw new QemuError(`cannot bind to ${socket}: Address already in use`);
    }
  }

  /**
   * `-device ivshmem-plain,...`, `ivshmem-doorbell,...`, `ivshmem,...`, `-ivshmem <size>,[unix:]name`,
   * `virtio-sdm,...` (a virtio-mmio device: its registers are bar(0));
   * also `pcie-root-port`, `pcie-pci-bridge` and `pci-bridge`, whose ids are buses for `bus=`.
   */
  realize(text: `${'pcie-root-port' | 'pcie-pci-bridge' | 'pci-bridge'},${string}`): BusDevice;
  realize(text: string): Device;
  realize(text: string): Device | BusDevice {
    const driver = typeof text === 'string' ? text.split(',')[0].trim() : '';
    if (!this.topology.isBridgeModel(driver)) return realizeDevice(this, text);
    const bridge = this.topology.addBridge(text, (id) => this.deviceIds.has(id));
    this.deviceIds.add(bridge.id);
    this.bridges.set(bridge.id, bridge);
    return bridge;
  }

  /**
   * Starts a guest VM in a worker with its own device (realized there, connected to its server):
   * `program` is an ES module whose default export runs as `async (vm, arg) => result`.
   */
  async spawn(options: SpawnOptions): Promise<Vm> {
    checkOptions('spawn', options);
    const { program } = options;
    if (program !== undefined && typeof program !== 'string' && !(program instanceof URL)) {
      throw new QemuError(`spawn: program must be a module URL (a string or a URL), not ${show(program)}`);
    }
    return spawnVm(this, options, options.machine === undefined ? this.topology.machine : checkMachine(options.machine));
  }

  /** The running VMs. */
  get vms(): Vm[] {
    return [...this.liveDevices.values()].flatMap((parts) => (parts.vm ? [parts.vm] : []));
  }

  /** Terminates every VM, unplugs every device and stops every server (a host shutting down). */
  async shutdown(): Promise<void> {
    await Promise.all(this.vms.map((vm) => vm.terminate()));
    for (const device of this.devices) device.unrealize();
    for (const server of this.servers.values()) if (server instanceof Server) server.stop();
  }

  /** Counts what the host holds, from its own tables and the shared memory; changes nothing. */
  resources(): HostResources {
    const view = new DataView(this.memory.buffer);
    let eventfds = 0;
    let boundEventfds = 0;
    for (let slot = 0; slot < L.EVENTFD_SLOTS; slot++) {
      const at = L.EVENTFD_BASE + slot * L.EVENTFD_STRIDE;
      if (view.getInt32(at + L.EVENTFD_REFS, true) > 0) eventfds++;
      if (view.getInt32(at + L.EVENTFD_BOUND_DEVICE, true) !== 0) boundEventfds++;
    }
    return {
      devices: this.liveDevices.size,
      vms: this.vms.length,
      spareBlocks: this.blocks.spareCount,
      eventfds,
      boundEventfds,
      freeBytes: this.allocator.freeBytes,
    };
  }

  /** `device_del ID`: hot-unplugs a device, or a bridge with everything below it. */
  unplug(id: string): void {
    checkString('device_del: the id', id);
    const device = this.devices.find((d) => d.id === id);
    if (device) return device.unrealize();
    const bridge = this.bridges.get(id);
    if (!bridge) throw new QemuError(`Device '${id}' not found`);
    bridge.unrealize();
  }

  // ---- what realization, servers and backends need from the host ----

  allocate(size: number, what: string): Region {
    const region = this.allocator.allocate(size);
    if (!region) {
      throw new QemuError(`cannot set up guest memory '${what}': Cannot allocate memory (${formatSize(size)} asked, ${formatSize(this.allocator.largestFree)} free)`);
    }
    this.bytes.fill(0, region.offset, region.offset + region.size);
    return region;
  }

  copy(from: Region, to: Region, size: number): void {
    this.bytes.copyWithin(to.offset, from.offset, from.offset + size);
  }

  hasId(id: string): boolean {
    return this.objects.has(id);
  }

  allocateDeviceBlock(peerVectors?: number): number {
    return this.blocks.take(peerVectors === undefined ? undefined : { capacity: this.maxPeers, vectors: peerVectors });
  }

  freeDeviceBlock(block: number): void {
    this.blocks.give(block);
  }

  allocateEventfd(): number {
    const view = new DataView(this.memory.buffer);
    for (let i = 0; i < L.EVENTFD_SLOTS; i++) {
      const slot = (this.nextSlot + i) % L.EVENTFD_SLOTS;
      const at = L.EVENTFD_BASE + slot * L.EVENTFD_STRIDE;
      if (Atomics.compareExchange(new Int32Array(this.memory.buffer, at, 16), L.EVENTFD_REFS / 4, 0, 1) !== 0) continue;
      for (const field of [L.EVENTFD_COUNT, L.EVENTFD_BOUND_DEVICE, L.EVENTFD_BOUND_VECTOR, L.EVENTFD_SIGNALS]) {
        view.setInt32(at + field, 0, true);
      }
      this.nextSlot = slot + 1;
      return slot;
    }
    throw new QemuError(`eventfd: Too many open files (all ${L.EVENTFD_SLOTS} eventfd slots are in use)`);
  }

  releaseEventfd(slot: number): void {
    this.core.eventfdUnref(slot);
  }

  eventfdIsLive(slot: number): boolean {
    return eventfdIsLive(this.memory, slot);
  }

  attach(device: Device, parts: Attachment): void {
    if (parts.backend) parts.backend.mappedBy = device;
    if (parts.placement) this.topology.occupy(parts.placement, `${device.model}${device.id ? `,id=${device.id}` : ''}`, device);
    if (device.id) this.deviceIds.add(device.id);
    this.liveDevices.set(device, parts);
  }

  /** Holds a VM's memdev while the VM starts (its bus and IDs are its own machine's); returns the undo. */
  reserve(resolved: ResolvedDevice): () => void {
    const { backend } = resolved;
    const holder = {};
    if (backend) backend.mappedBy = holder;
    return () => {
      if (backend?.mappedBy === holder) backend.mappedBy = undefined;
    };
  }

  attachVm(device: Device, parts: { backend?: MemoryBackend; vm: Vm }): void {
    if (parts.backend) parts.backend.mappedBy = device;
    this.liveDevices.set(device, { backend: parts.backend, vm: parts.vm });
  }

  detachVm(device: Device): void {
    const parts = this.liveDevices.get(device);
    if (!parts) return;
    this.liveDevices.delete(device);
    if (parts.backend) parts.backend.mappedBy = undefined;
    this.freeDeviceBlock(device.block);
    device.unrealize();
  }

  release(device: Device): void {
    const parts = this.liveDevices.get(device);
    if (!parts) return;
    if (parts.vm) {
      void parts.vm.terminate();
      return;
    }
    this.liveDevices.delete(device);
    if (device.id) this.deviceIds.delete(device.id);
    if (parts.backend) parts.backend.mappedBy = undefined;
    if (parts.placement) this.topology.vacate(parts.placement, device);
    parts.cleanup?.();
    device.client?.close();
    parts.connection?.close();
    this.freeDeviceBlock(device.block);
  }
}
