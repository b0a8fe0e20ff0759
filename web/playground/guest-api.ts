// The guest API as the playground's editor explains it: completion after `vm.`, `vm.device.` and
// `vm.driver.`, and the same text on hover. Kept beside the API it describes (src/vm/guest.ts,
// src/device/device.ts, src/driver/pci-driver.ts, web/guest/runner.ts).

export interface ApiDoc { label: string; type: 'property' | 'method'; detail: string; info: string }

export const GUEST_API: Record<string, ApiDoc[]> = {
  vm: [
    { label: 'id', type: 'property', detail: 'number', info: 'IVPosition: this VM\'s peer ID, given by the server (0 without a server).' },
    { label: 'device', type: 'property', detail: 'Device', info: 'The VM\'s ivshmem device: config space, bar(n), memoryBar, interrupts.' },
    { label: 'driver', type: 'property', detail: 'driver steps', info: 'The usual driver steps: enableDevice, enableMsix, maskVector, unmaskVector, msixPending, ring.' },
    { label: 'bringUp', type: 'method', detail: '(): void', info: 'Command = IO|MEM|MASTER, MSI-X on and every vector unmasked (doorbell devices), or IntrMask all ones (legacy INTx, 2010); ivshmem-v2: Interrupt Control on too; nothing on ivshmem-flat, whose registers are always there.' },
    { label: 'ring', type: 'method', detail: '(peer: number, vector = 0): void', info: 'Writes (peer << 16) | vector to the Doorbell register (BAR0 + 12). The vector is 0..255 (QEMU decodes 8 bits), 0..65535 on ivshmem-flat and ivshmem-v2.' },
    { label: 'wait', type: 'method', detail: "({ mode?: 'block'|'poll'|'spin', timeoutMs? }): number", info: 'Blocks until an interrupt: returns its vector, -1 on timeout, -2 when the VM is asked to stop. block parks at once, poll never parks, spin (default) spins for an adaptive budget then parks.' },
    { label: 'waitAsync', type: 'method', detail: '({ timeoutMs? }): Promise<number>', info: 'Like wait(), keeping the worker\'s event loop free (timers and promises keep running).' },
    { label: 'peers', type: 'method', detail: '(): { id, vectors }[]', info: 'The peers this VM\'s device knows from the server, itself included.' },
    { label: 'log', type: 'method', detail: '(...parts): void', info: 'A line in this VM\'s console.' },
    { label: 'roundTrip', type: 'method', detail: '(us: number): void', info: 'Workbench only: records a measured round trip (microseconds) in the latency histogram.' },
    { label: 'stopRequested', type: 'property', detail: 'boolean', info: 'Workbench only: the page pressed Stop. A loop that never waits should check it.' },
  ],
  device: [
    { label: 'config', type: 'property', detail: 'Region', info: 'PCI config space: read(offset, size), write(offset, size, value). Command at 0x04, MSI-X capability at 0x40.' },
    { label: 'bar', type: 'method', detail: '(index: number): Bar', info: 'BAR0 registers (IntrMask 0, IntrStatus 4, IVPosition 8, Doorbell 12), BAR1 MSI-X table and PBA, BAR2 the shared memory. read(offset, size), write(offset, size, value); BAR2 also has .bytes. On ivshmem-flat, bar(0) is its 16-byte register window and bar(1) the memory.' },
    { label: 'memoryBar', type: 'property', detail: 'Bar', info: 'The BAR that maps the shared memory: BAR2 (BAR1 on the 2010 device, region 1 on ivshmem-flat). .bytes is a Uint8Array over it.' },
    { label: 'interrupts', type: 'property', detail: 'InterruptView', info: 'delivered(v), pending(v), masked(v), lost, dropped, take().' },
    { label: 'model', type: 'property', detail: 'string', info: "'ivshmem-doorbell', 'ivshmem-plain', 'ivshmem', 'ivshmem-2010', 'virtio-sdm', 'ivshmem-flat' or 'ivshmem-v2'." },
    { label: 'vectors', type: 'property', detail: 'number', info: 'How many MSI-X vectors the device has.' },
    { label: 'peers', type: 'method', detail: '(): { id, vectors }[]', info: 'The peer table from the server.' },
    { label: 'v2', type: 'property', detail: 'IvshmemV2View | undefined', info: 'ivshmem-v2 only: state, interruptControl, oneShot, maxPeers, protocol, sections, peerState(id), rw and output (live bytes it may write), input(id) (a copy of a peer\'s output section).' },
  ],
  driver: [
    { label: 'enableDevice', type: 'method', detail: '(dev): void', info: 'Sets Memory Space, I/O Space and Bus Master in the Command register.' },
    { label: 'enableMsix', type: 'method', detail: '(dev, { functionMask? }): void', info: 'Sets MSI-X Enable in the capability\'s Message Control.' },
    { label: 'disableMsix', type: 'method', detail: '(dev): void', info: 'Clears MSI-X Enable.' },
    { label: 'maskVector', type: 'method', detail: '(dev, vector): void', info: 'Sets the mask bit of the vector\'s MSI-X table entry: messages become pending.' },
    { label: 'unmaskVector', type: 'method', detail: '(dev, vector): void', info: 'Clears the mask bit: a pending message is delivered at once.' },
    { label: 'msixPending', type: 'method', detail: '(dev, vector): boolean', info: 'The vector\'s PBA bit, read through BAR1.' },
    { label: 'ring', type: 'method', detail: '(dev, peer, vector): void', info: 'Writes the Doorbell register.' },
    { label: 'v2', type: 'property', detail: 'ivshmem-v2 driver steps', info: 'probe(dev) (the sections from the vendor capability), enableInterrupts(dev, { oneShot }), setState, peerState(dev, probe, id), setInterrupts, setOneShot, NetHandshake (ivshmem-net\'s RESET, INIT, READY, RUN), NET_STATE.' },
  ],
};

/** The object a member access is made on, from the text before it: 'vm', 'device' or 'driver'. */
export function objectOf(before: string): string | undefined {
  if (/\bvm\.device\.$/.test(before) || /\bdevice\.$/.test(before)) return 'device';
  if (/\bvm\.driver\.$/.test(before)) return 'driver';
  if (/\bvm\.$/.test(before)) return 'vm';
  return undefined;
}
