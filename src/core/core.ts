// Loading the compiled core: compiled once per JavaScript realm, instantiated over the host's
// shared memory (in the host, and later in every VM worker). The .wasm is built from assembly/
// by `npm run build:core`; it is never committed.

/** The core's ring exports; every address is a byte address in the shared memory. */
export interface RingCore {
  vqInit(state: number, regionBase: number, regionSize: number, size: number, desc: number, avail: number, used: number, flags: number, driver: number): number;
  vqDriverAdd(state: number, count: number, table: number): number;
  vqDriverPublish(state: number): number;
  vqDriverGetUsed(state: number): number;
  vqDriverSetInterrupts(state: number, enable: number): number;
  vqDevicePop(state: number): number;
  vqDevicePush(state: number, head: number, len: number): number;
  vqDevicePublish(state: number): number;
  vqDeviceSetNotify(state: number, enable: number): number;
  ringFormat(ring: number, capacity: number): number;
  ringAttach(state: number, ring: number, end: number, producer: number): number;
  ringReserve(state: number, len: number): number;
  ringCommit(state: number, len: number): number;
  ringWrite(state: number, len: number): number;
  ringPublish(state: number): number;
  ringPrepareSpaceWait(state: number): number;
  ringPeek(state: number): number;
  ringConsume(state: number): void;
  ringRead(state: number): number;
  ringRelease(state: number): number;
  ringPrepareWait(state: number): number;
}

/**
 * The core's exports, as raw numbers: device blocks and eventfd slots are byte addresses. Written by
 * hand because the declarations asc generates describe its adapting bindings, not the raw exports
 * (a `bool` result is a boolean there, 0 or 1 here); test/node/core-shape.test.ts holds this
 * interface to what the compiled core exports.
 */
export interface CoreExports extends RingCore {
  configRead(dev: number, offset: number, size: number): number;
  configWrite(dev: number, offset: number, size: number, value: number): void;
  bar0Read(dev: number, offset: number): number;
  bar0Write(dev: number, offset: number, value: number): void;
  msixIsPending(dev: number, vector: number): number;
  msixVectorMasked(dev: number, vector: number): number;
  eventfdSignal(slot: number, value: number): void;
  eventfdRead(slot: number): number;
  eventfdBind(slot: number, dev: number, vector: number): void;
  eventfdUnbind(slot: number, dev: number): void;
  eventfdRef(slot: number): void;
  eventfdUnref(slot: number): number;
  peerAddEventfd(dev: number, id: number, slot: number): number;
  peerRemove(dev: number, id: number): void;
  peerEventfdCount(dev: number, id: number): number;
  findPeer(dev: number, id: number): number;
  takeInterrupt(dev: number, vectors: number): number;
  waitInterrupt(dev: number, vectors: number, timeoutNs: bigint, spinNs: bigint): number;
  vectorNotify(dev: number, vector: number, value: number): void;
  deviceReset(dev: number): void;
  // The register path (assembly/access.ts): `handler` is one of ACCESS_BAR0, _MSIX_TABLE, _MSIX_PBA,
  // _VIRTIO_MMIO, _NONE; a check finds 0 (go) or a refusal (ACCESS_INBOX, ACCESS_NOT_DECODED).
  accessCheck(dev: number, handler: number): number;
  handlerRead(dev: number, handler: number, offset: number, size: number): number;
  handlerWrite(dev: number, handler: number, offset: number, size: number, value: number): void;
  /** the checks and the read: the value, or a refusal */
  accessRead(dev: number, handler: number, offset: number, size: number): number;
  /** the checks and the write: 0 once written, or a refusal */
  accessWrite(dev: number, handler: number, offset: number, size: number, value: number): number;
  /** an aligned 8-byte access, checked: two 4-byte handler calls (the value signed, as an i64 crosses); refused, -1n and lastRefusal() says why */
  accessRead64(dev: number, handler: number, offset: number): bigint;
  lastRefusal(): number;
  /** the same for a write (the value's low 64 bits): 0 once written, or a refusal */
  accessWrite64(dev: number, handler: number, offset: number, value: bigint): number;
  /** the memory BAR's 8-byte access at `at` in the shared memory, checked as accessRead64/accessWrite64 */
  memoryRead64(dev: number, at: number): bigint;
  memoryWrite64(dev: number, at: number, value: bigint): number;
  /** 1 when a doorbell rung on this thread since the last call found its destination not parked */
  takeRangUnparked(): number;
  /** whether this thread's last waitInterrupt parked (then clears it): a spin that ran out */
  takeWaitParked(): number;
  /** this instance's thread in the trace (0, the host, until set) */
  traceThread(thread: number): void;
  traceEmit(kind: number, device: number, peer: number, vector: number, value: number): void;
  // virtio-sdm (assembly/virtio-mmio.ts, assembly/sdm.ts)
  sdmInit(dev: number, master: number, maxSlaves: number, booted: number, socket: number): void;
  sdmAttach(master: number, slave: number, requested: number): number;
  sdmSetRemoteSlave(master: number, id: number, present: number): void;
  sdmLeave(dev: number): void;
  sdmSetRemoteMaster(slave: number, id: number, present: number, maxSlaves: number, currentSlaves: number): void;
  sdmSend(dev: number, type: number, slave: number, p0: number, p1: number): number;
  sdmReceive(dev: number, type: number, from: number, p0: number, p1: number): number;
}

const wasmUrl = new URL('../../build/ivshmem.wasm', import.meta.url);
let compiled: Promise<WebAssembly.Module> | undefined;

async function wasmBytes(): Promise<BufferSource> {
  if (wasmUrl.protocol === 'file:') {
    const { readFile } = await import(/* webpackIgnore: true */ 'node:fs/promises');
    try {
      return await readFile(wasmUrl);
    } catch (error) {
      throw new Error(`the core is not built (${wasmUrl.pathname} is missing): run \`npm run build:core\``, { cause: error });
    }
  }
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`cannot load the core from ${wasmUrl.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

export function compileCore(): Promise<WebAssembly.Module> {
  compiled ??= wasmBytes().then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}

export async function instantiateCore(memory: WebAssembly.Memory, module?: WebAssembly.Module): Promise<CoreExports> {
  // traceTime: one clock for every thread (each has its own timeOrigin).
  const origin = performance.timeOrigin;
  const instance = await WebAssembly.instantiate(module ?? (await compileCore()), {
    env: { memory, now: () => performance.now(), traceTime: () => origin + performance.now() },
  });
  return instance.exports as unknown as CoreExports;
}
