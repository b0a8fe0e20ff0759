// The scenario run on the project: one Host, one device per VM of the scenario, realized in the
// same order as QEMU's processes start, on the project's own ivshmem-server.
import { Host, type Device, type IvshmemClient } from '../../src/index.ts';
import { BAR_BASE, MSI_DATA, hexValue, msiAddress, type Backend, type Scenario, type Step } from './scenario.ts';
import { machineOf } from '../../src/host.ts';

export class ProjectBackend implements Backend {
  readonly name = 'project';
  private host: Host | undefined;
  private devices: Device[] = [];
  private clients: IvshmemClient[] = [];
  /** per device, per vector: deliveries already reported by `msi` */
  private seen: number[][] = [];
  /** per client, per vector: notifications already reported by `client-take` */
  private taken: number[] = [];

  async start(scenario: Scenario): Promise<void> {
    // qtest runs QEMU without KVM: its doorbells behave as under TCG
    const host = await Host.create({ memory: '32M', accel: 'tcg' });
    this.host = host;
    if (scenario.server) host.addServer({ id: 'srv', size: scenario.server.size, vectors: scenario.server.vectors });
    for (const [i, device] of scenario.devices.entries()) {
      let props = device;
      if (device.startsWith('ivshmem-plain')) {
        host.addObject(`memory-backend-ram,id=m${i},size=${scenario.memory ?? 1 << 20},share=on`);
        props += `,memdev=m${i}`;
      } else {
        props += ',chardev=srv';
      }
      this.devices.push(host.realize(props) as Device);
      this.seen.push([]);
    }
  }

  async step(step: Step): Promise<string> {
    try {
      return this.run(step);
    } catch (error) {
      const e = error as Error;
      return `${e.name}: ${e.message}`;
    }
  }

  private run(step: Step): string {
    const dev = this.devices['dev' in step ? step.dev ?? 0 : 0];
    switch (step.op) {
      case 'cfg':
        if (step.value === undefined) return hexValue(dev.config.read(step.offset, step.width));
        dev.config.write(step.offset, step.width, step.value);
        return 'ok';
      case 'bar':
        if (step.value === undefined) return hexValue(dev.bar(step.bar).read(step.offset, step.width));
        dev.bar(step.bar).write(step.offset, step.width, step.value);
        return 'ok';
      case 'map':
        for (const bar of [0, 1, 2]) dev.config.write(0x10 + bar * 4, 4, BAR_BASE[bar]);
        dev.config.write(0x1c, 4, 0);
        dev.config.write(0x04, 2, step.command ?? 6);
        return 'ok';
      case 'msix-entry': {
        const entry = step.vector * 16;
        const bar = dev.bar(1);
        bar.write(entry, 4, msiAddress(step.vector));
        bar.write(entry + 4, 4, 0);
        bar.write(entry + 8, 4, MSI_DATA + step.vector);
        bar.write(entry + 12, 4, step.masked ? 1 : 0);
        return 'ok';
      }
      case 'msi': {
        const index = this.devices.indexOf(dev);
        const delivered = dev.interrupts.delivered(step.vector);
        const before = this.seen[index][step.vector] ?? 0;
        this.seen[index][step.vector] = delivered;
        return delivered > before ? '1' : '0';
      }
      case 'ring': {
        const value = (this.devices[step.to].ivPosition << 16) | step.vector;
        this.devices[step.from].bar(0).write(step.offset ?? 12, step.width ?? 4, value);
        return 'ok';
      }
      case 'sync':
        return 'ok';
      case 'reset':
        dev.reset();
        for (const vectors of this.seen) vectors.length = 0;
        return 'ok';
      case 'join': {
        const client = this.need().connectClient('srv');
        this.clients.push(client);
        this.taken.push(0);
        return `id ${client.id}`;
      }
      case 'client-take':
        return this.take(step.client);
      case 'client-ring': {
        const rung = this.clients[step.client].notify(this.devices[step.to].ivPosition, step.vector);
        return rung ? 'ok' : 'no such peer or vector';
      }
      case 'client-leave':
        this.clients[step.client].close();
        return 'ok';
    }
  }

  /** What the client's own eventfds counted since the last look: its watcher's notifications, plus what it has not read yet. */
  private take(index: number): string {
    const client = this.clients[index];
    const slots = client.peers.get(client.id) ?? [];
    const counts = slots.map(() => 0);
    for (const n of client.notifications.slice(this.taken[index])) counts[n.vector] += n.count;
    this.taken[index] = client.notifications.length;
    slots.forEach((slot, v) => { counts[v] += machineOf(this.need()).core.eventfdRead(slot); });
    return counts.join(' ');
  }

  private need(): Host {
    if (!this.host) throw new Error('not started');
    return this.host;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    await this.host?.shutdown();
    this.host = undefined;
    this.devices = [];
    this.clients = [];
    this.seen = [];
    this.taken = [];
  }
}
