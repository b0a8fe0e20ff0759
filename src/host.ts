// The Host: one shared WebAssembly.Memory and everything a real host would hold around its VMs:
// memory backends (-object), files on /dev/shm, ivshmem servers, and realized devices (-device).
// It runs on one thread (the page's main thread, or Node's), allocates every region, and never
// blocks: guests wait, the host only looks.
import * as L from '../assembly/layout.ts';
import { compileCore, instantiateCore } from './core/core.ts';
import { QemuError, checkInteger, checkObject, checkString, show } from './errors.ts';
import { checkSdmSocket, type SdmSocketOptions } from './chardev/sdm-socket.ts';
import type { Device } from './device/device.ts';
import { DEFAULT_MAX_PEERS, MAX_PEERS_LIMIT } from './device/peer-table.ts';
import { HostMachine } from './machine/machine.ts';
import { models } from './models/index.ts';
import { MemoryBackend, parseBackend } from './memory/backend.ts';
import { parseSize, formatSize } from './options/size.ts';
import type { BusDevice, Machine } from './pci/topology.ts';
import { realizeOnHost } from './realize/realize.ts';
import type { RingContext } from './ring/ring-core.ts';
import { Server, type ServerOptions, type ServerEndpoint } from './server/server.ts';
import { ServerBase } from './server/server-base.ts';
import { Ivshmem2Server, type Ivshmem2ServerOptions } from './server/ivshmem2-server.ts';
import { IvshmemClient } from './server/ivshmem-client.ts';
import type { Tracer } from './trace/tracer.ts';
import { spawnVm } from './vm/spawn.ts';
import { spawnLinux } from './linux/spawn.ts';
import type { LinuxVm } from './linux/linux-vm.ts';
import type { LinuxOptions } from './linux/protocol.ts';
import { prepareSpare } from './vm/worker-thread.ts';
import { vmOf, type SpawnOptions, type Vm } from './vm/vm.ts';

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

const machines = new WeakMap<Host, HostMachine>();

/** @internal The host's machine, for the library's own modules and its tests; not for programs. */
export function machineOf(host: Host): HostMachine {
  return machines.get(host)!;
}

export class Host {
  /** The protocol trace: start(), stop(), drain() the events of every thread (src/trace/). */
  readonly trace: Tracer;
  readonly #machine: HostMachine;

  private constructor(machine: HostMachine) {
    this.#machine = machine;
    machines.set(this, machine);
    this.trace = machine.trace;
    const view = new DataView(machine.memory.buffer);
    view.setUint32(L.HEADER_MAGIC, L.MAGIC, true);
    view.setUint32(L.HEADER_VERSION, L.LAYOUT_VERSION, true);
    view.setUint32(L.HEADER_MEMORY_SIZE, machine.memory.buffer.byteLength, true);
  }

  static async create(options: HostOptions = {}): Promise<Host> {
    checkObject('Host.create: the options', options);
    const machine = checkMachine(options.machine ?? 'pc');
    const maxPeers = options.maxPeers === undefined ? DEFAULT_MAX_PEERS : checkInteger('maxPeers', options.maxPeers, 1, MAX_PEERS_LIMIT);
    const accel = checkAccel(options.accel ?? 'kvm');
    const pages = memoryBytes(options.memory) / WASM_PAGE;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const module = await compileCore();
    const host = new Host(new HostMachine(memory, await instantiateCore(memory, module), module, machine, maxPeers));
    new DataView(memory.buffer).setUint32(L.HEADER_ACCEL, ACCELS[accel], true);
    return host;
  }

  /** The accelerator given to Host.create ('kvm' unless said otherwise). */
  get accel(): 'kvm' | 'tcg' {
    return new DataView(this.#machine.memory.buffer).getUint32(L.HEADER_ACCEL, true) === L.ACCEL_TCG ? 'tcg' : 'kvm';
  }

  /** The host's machine type, as `-M`: 'pc' or 'q35'. */
  get machine(): Machine {
    return this.#machine.topology.machine;
  }

  /** How many peers each device can track (Host.create({ maxPeers })). */
  get maxPeers(): number {
    return this.#machine.maxPeers;
  }

  /** The devices realized on the host and in its VMs. */
  get devices(): Device[] {
    return [...this.#machine.devices.keys()];
  }

  /**
   * What the rings need to work on this host's shared memory (RingContext): a host program that
   * formats or drives a ring in a backend's region passes it to formatMessageRing,
   * MessageProducer, VirtqueueDriver... (a guest program has `guestRings(vm).context`).
   */
  get ringContext(): RingContext {
    return { core: this.#machine.core, buffer: this.#machine.memory.buffer };
  }

  /** `-object memory-backend-{ram,memfd,file},id=ID,size=S[,share=on][,mem-path=P]` */
  addObject(text: string): MemoryBackend {
    const options = parseBackend(text);
    const backend = MemoryBackend.create(this.#machine, options);
    this.#machine.objects.set(backend.id, backend);
    return backend;
  }

  /** Deletes an unused memory backend (`object_del`). */
  deleteObject(id: string): void {
    checkString('object_del: the id', id);
    const backend = this.#machine.objects.get(id);
    if (!backend) throw new QemuError(`object '${id}' not found`);
    if (backend.mappedBy) throw new QemuError(`object '${id}' is in use, can not be deleted`);
    this.#machine.objects.delete(id);
    if (!backend.sharedWithFile) this.#machine.release(backend.region);
  }

  /** Starts an ivshmem-server; its id is the chardev id devices connect with. */
  addServer(options: ServerOptions): Server {
    return this.#start('addServer', options, () => new Server(this.#machine, options));
  }

  /**
   * Starts an ivshmem2-server (protocol version 2, Jan Kiszka's RFC) for ivshmem-v2 devices: its
   * id is the chardev id they connect with, and it decides their maximum of peers, vectors,
   * output section size and protocol type.
   */
  addServer2(options: Ivshmem2ServerOptions): Ivshmem2Server {
    return this.#start('addServer2', options, () => new Ivshmem2Server(this.#machine, options));
  }

  #start<S extends ServerBase>(call: string, options: { id: string; socket?: string }, make: () => S): S {
    checkObject(`${call}: the options`, options);
    if (options.socket !== undefined) checkString('the socket path', options.socket);
    this.#machine.checkChardev(options.id, options.socket ?? '/tmp/ivshmem_socket');
    const server = make();
    server.onSend = (to, message) => this.#machine.trace.server(to, message);
    this.#machine.servers.set(server.id, server);
    return server;
  }

  /**
   * A host-side client of a server, as contrib/ivshmem-client is: it rings any peer's vectors and
   * hears its own (`client.command('int 1 0')`, `client.notifications`).
   */
  connectClient(chardev: string): IvshmemClient {
    checkString('connectClient: the chardev', chardev);
    const server = this.#machine.findServer(chardev);
    if (!server) throw new QemuError(`Failed to connect to '${chardev}': No such file or directory`);
    // the RFC that brought the ivshmem2-server has no client for it
    if ((server.version ?? 0) !== 0) throw new QemuError(`'${chardev}' speaks protocol version ${server.version}: ivshmem-client speaks version 0 only`);
    const client = new IvshmemClient(this.#machine.core, this.#machine.memory);
    client.attach(server);
    return client;
  }

  /** A chardev to a server of your own making: any object that speaks the protocol. */
  addChardev(endpoint: ServerEndpoint): void {
    checkObject('addChardev: the options', endpoint);
    if (typeof endpoint.connect !== 'function' || typeof endpoint.nextId !== 'function') {
      throw new QemuError('addChardev: the endpoint needs connect(sink) and nextId() (see ServerEndpoint)');
    }
    if (endpoint.socket !== undefined) checkString('the socket path', endpoint.socket);
    this.#machine.checkChardev(endpoint.id, endpoint.socket);
    this.#machine.servers.set(endpoint.id, endpoint);
  }

  /**
   * A chardev to the SDM relay: `virtio-sdm,...,chardev=ID` then joins `room` with `token` at
   * `url` (ws://127.0.0.1:8765 from `npx ivshmem-wasm sdm-relay`, or the dev server's /sdm-relay).
   */
  addSdmSocket(options: SdmSocketOptions): SdmSocketOptions {
    checkObject('addSdmSocket: the options', options);
    this.#machine.checkChardev(options.id, undefined);
    const chardev = checkSdmSocket(options);
    this.#machine.sdmSockets.set(chardev.id, chardev);
    return chardev;
  }

  /**
   * `-device ivshmem-plain,...`, `ivshmem-doorbell,...`, `ivshmem,...`, `-ivshmem <size>,[unix:]name`,
   * `virtio-sdm,...`, `ivshmem-v2,...` (every model in src/models/); also `pcie-root-port`, `pcie-pci-bridge` and
   * `pci-bridge`, whose ids are buses for `bus=`.
   */
  realize(text: `${'pcie-root-port' | 'pcie-pci-bridge' | 'pci-bridge'},${string}`): BusDevice;
  realize(text: string): Device;
  realize(text: string): Device | BusDevice {
    const machine = this.#machine;
    const driver = typeof text === 'string' ? text.split(',')[0].trim() : '';
    if (!machine.topology.isBridgeModel(driver)) return realizeOnHost(machine, models, text);
    const bridge = machine.topology.addBridge(text, (id) => machine.deviceIds.has(id));
    machine.deviceIds.add(bridge.id);
    machine.bridges.set(bridge.id, bridge);
    return bridge;
  }

  /**
   * Starts a guest VM in a worker with its own device (realized there, connected to its server):
   * `program` is an ES module whose default export runs as `async (vm, arg) => result`; or,
   * with `linux` (kernel, initramfs and BIOS images), a PC in v86 that boots Linux over the device.
   */
  async spawn(options: SpawnOptions & { linux: LinuxOptions }): Promise<LinuxVm>;
  async spawn(options: SpawnOptions): Promise<Vm>;
  async spawn(options: SpawnOptions & { linux?: LinuxOptions }): Promise<Vm> {
    checkObject('spawn: the options', options);
    const { program } = options;
    if (options.linux !== undefined) {
      if (program !== undefined) throw new QemuError('spawn: a VM runs a guest program or boots Linux (linux), not both');
      const machineType = options.machine === undefined ? this.machine : checkMachine(options.machine);
      return spawnLinux(this.#machine, models, { device: options.device, linux: options.linux }, machineType);
    }
    if (program !== undefined && typeof program !== 'string' && !(program instanceof URL)) {
      throw new QemuError(`spawn: program must be a module URL (a string or a URL), not ${show(program)}`);
    }
    return spawnVm(this.#machine, models, options, options.machine === undefined ? this.machine : checkMachine(options.machine));
  }

  /**
   * Gets a VM worker ready ahead of the next spawn (one is kept ready after each spawn anyway):
   * resolves once it has booted, so that spawn only hands it its device. A page calls it before
   * the user asks for a VM; the benchmark before timing a spawn.
   */
  async prepareVm(): Promise<void> {
    await prepareSpare();
  }

  /** The running VMs. */
  get vms(): Vm[] {
    return this.devices.flatMap((device) => vmOf(device) ?? []);
  }

  /** Terminates every VM, unplugs every device and stops every server (a host shutting down). */
  async shutdown(): Promise<void> {
    await Promise.all(this.vms.map((vm) => vm.terminate()));
    for (const device of this.devices) device.unrealize();
    for (const server of this.#machine.servers.values()) if (server instanceof ServerBase) server.stop();
  }

  /** Counts what the host holds, from its own tables and the shared memory; changes nothing. */
  resources(): HostResources {
    const machine = this.#machine;
    const { held, bound } = machine.eventfds.count();
    return {
      devices: machine.devices.size,
      vms: this.vms.length,
      spareBlocks: machine.blocks.spareCount,
      eventfds: held,
      boundEventfds: bound,
      freeBytes: machine.freeBytes,
    };
  }

  /** `device_del ID`: hot-unplugs a device, or a bridge with everything below it. */
  unplug(id: string): void {
    checkString('device_del: the id', id);
    const device = this.#machine.findDevice(id);
    if (device) return device.unrealize();
    const bridge = this.#machine.bridges.get(id);
    if (!bridge) throw new QemuError(`Device '${id}' not found`);
    bridge.unrealize();
  }
}
