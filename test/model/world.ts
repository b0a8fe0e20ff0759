// A host as the differential property sees it: one ivshmem-server, devices joining and leaving
// it, ivshmem-plain devices on their own memory backends, doorbells routed from a sender's peer
// table to the destination's own vector, migration from one master to another.
//
// Where this project chooses to differ from QEMU (README "Where it differs"), the model says what
// the project promises instead, and names the difference where it is decided.
import { ModelDevice, type Kind } from './device.ts';
import { ModelServer, type WireMessage } from './server.ts';

export type Outcome = { ok: true; value?: number | bigint } | { ok: false; error: 'QemuError' | 'AccessError' };

export class ModelWorld {
  readonly server: ModelServer;
  readonly devices = new Map<number, ModelDevice>();
  private nextHandle = 0;
  private readonly memories = new Map<string, Map<number, number>>();

  constructor(serverVectors: number, readonly memorySize: number) {
    this.server = new ModelServer(serverVectors);
  }

  /**
   * -device: a plain device (its own memdev), or a doorbell / pin-based legacy device on the
   * server. Returns the handle of the new device, or the error realize reports.
   */
  realize(kind: Kind, vectors: number, master: boolean, memdev = 'server'): { handle: number } | { error: 'QemuError' } {
    const device = new ModelDevice({ kind, vectors, memorySize: this.memorySize });
    // the memory outlives the device: the server's is shared by all its clients, a memdev's by whoever maps it next
    if (!this.memories.has(memdev)) this.memories.set(memdev, new Map());
    device.memory = this.memories.get(memdev)!;
    if (kind !== 'plain') {
      // QEMU learns its ID first and then refuses master=on; here the server is asked first, so
      // a refused realize leaves it untouched (README: "Failed setup").
      if (master && this.server.nextId() !== 0) return { error: 'QemuError' };
      const joined = this.server.connect();
      if (!joined) return { error: 'QemuError' };
      // ivshmem_recv_setup reads the version, the ID and messages up to the shared memory (which
      // the server sends third); everything after arrives through ivshmem_read, where an error is
      // only reported (error_report_err), never a failed realize.
      device.vmId = joined.id;
      for (const m of joined.sent.slice(2)) {
        if (m.to === joined.id) this.receive(device, m);
        else this.deliver(m);
      }
    }
    const handle = this.nextHandle++;
    this.devices.set(handle, device);
    return { handle };
  }

  unrealize(handle: number): void {
    const device = this.devices.get(handle)!;
    this.devices.delete(handle);
    if (device.options.kind !== 'plain') this.server.disconnect(device.vmId).forEach((m) => this.deliver(m));
  }

  private byId(id: number): ModelDevice | undefined {
    return [...this.devices.values()].find((d) => d.options.kind !== 'plain' && d.vmId === id);
  }

  private deliver(message: WireMessage): void {
    const device = this.byId(message.to);
    if (device) this.receive(device, message);
  }

  /** process_msg: false when QEMU would report an error (the message then changes nothing) */
  private receive(device: ModelDevice, message: WireMessage): boolean {
    const { value, fd } = message;
    if (value === -1n) return true; // the shared memory: BAR2 is mapped
    const peer = Number(value);
    if (!fd) {
      if (peer === device.vmId) return false; // "invalid peer N"
      device.peers.delete(peer); // close_peer_eventfds
      return true;
    }
    const count = device.peers.get(peer) ?? 0;
    if (count >= device.vectors) return false; // "Too many eventfd received, device has N vectors"
    device.peers.set(peer, count + 1);
    return true;
  }

  /** A doorbell write the sender's device decoded into (dest, vector): the eventfd fires. */
  ring(dest: number, vector: number): void {
    // Only an eventfd its owner accepted (the N-th of its own, N <= its vectors) has a handler:
    // one it refused ("Too many eventfd received") is rung into the void.
    const device = this.byId(dest);
    if (device && vector < (device.peers.get(dest) ?? 0)) device.vectorNotify(vector);
  }

  /** The whole BAR0 write, doorbell included. */
  bar0Write(handle: number, offset: number, value: number): void {
    const rung = this.devices.get(handle)!.bar0Write(offset, value);
    if (rung) this.ring(rung.dest, rung.vector);
  }
}
