// The scenario run on real QEMU: one qemu-system-x86_64 per device (each VM its own process, as
// tests/qtest/ivshmem-test.c runs its pair), the device at slot 4, the doorbell devices on a
// Python ivshmem-server (ivshmem-server.py) in a temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Qtest } from './qtest.ts';
import type { Release } from './install.ts';
import { PyServer } from './py-server.ts';
import { BAR_BASE, MSI_DATA, hexValue, msiAddress, type Backend, type Scenario, type Step } from './scenario.ts';

const SLOT = 4;
const DEVFN = SLOT << 3;

export class QemuBackend implements Backend {
  readonly name: string;
  private vms: Qtest[] = [];
  private ids: number[] = [];
  private server: PyServer | undefined;
  private clients: number[] = [];
  private dir = '';

  constructor(private readonly release: Release) {
    this.name = `QEMU ${release.name}`;
  }

  async start(scenario: Scenario): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'ivshmem-qemu-'));
    if (scenario.server) {
      this.server = await PyServer.start(join(this.dir, 'ivshmem.sock'), scenario.server);
    }
    for (const [i, device] of scenario.devices.entries()) {
      const args: string[] = [];
      let props = device;
      if (device.startsWith('ivshmem-plain')) {
        args.push('-object', `memory-backend-ram,id=m,size=${scenario.memory ?? 1 << 20},share=on`);
        props += ',memdev=m';
      } else {
        args.push('-chardev', `socket,id=c,path=${join(this.dir, 'ivshmem.sock')}`);
        props += ',chardev=c';
      }
      args.push('-device', `${props},addr=${SLOT}`);
      const vm = await Qtest.start(this.release, args);
      this.vms.push(vm);
      // IVPosition, read the way the scenario's steps will see it later (BAR0 mapped for a moment)
      await this.withBar0(vm, async (base) => { this.ids[i] = Number(await vm.memRead(base + 8, 4)); });
    }
    await this.sync();
  }

  private async withBar0(vm: Qtest, body: (base: number) => Promise<void>): Promise<void> {
    const bar0 = await vm.configRead(DEVFN, 0x10, 4);
    const command = await vm.configRead(DEVFN, 0x04, 2);
    await vm.configWrite(DEVFN, 0x10, 4, BAR_BASE[0]);
    await vm.configWrite(DEVFN, 0x04, 2, command | 2);
    await body(BAR_BASE[0]);
    await vm.configWrite(DEVFN, 0x04, 2, command);
    await vm.configWrite(DEVFN, 0x10, 4, bar0);
  }

  async step(step: Step): Promise<string> {
    const vm = this.vms['dev' in step ? step.dev ?? 0 : 0];
    switch (step.op) {
      case 'cfg':
        if (step.value === undefined) return hexValue(await vm.configRead(DEVFN, step.offset, step.width));
        await vm.configWrite(DEVFN, step.offset, step.width, step.value);
        return 'ok';
      case 'bar': {
        const address = BAR_BASE[step.bar] + step.offset;
        if (step.value === undefined) return hexValue(await vm.memRead(address, step.width));
        await vm.memWrite(address, step.width, step.value);
        return 'ok';
      }
      case 'map':
        for (const bar of [0, 1, 2]) await vm.configWrite(DEVFN, 0x10 + bar * 4, 4, BAR_BASE[bar]);
        await vm.configWrite(DEVFN, 0x1c, 4, 0);
        await vm.configWrite(DEVFN, 0x04, 2, step.command ?? 6);
        return 'ok';
      case 'msix-entry': {
        const entry = BAR_BASE[1] + step.vector * 16;
        await vm.memWrite(entry, 4, msiAddress(step.vector));
        await vm.memWrite(entry + 4, 4, 0);
        await vm.memWrite(entry + 8, 4, MSI_DATA + step.vector);
        await vm.memWrite(entry + 12, 4, step.masked ? 1 : 0);
        return 'ok';
      }
      case 'msi': {
        const landed = Number(await vm.memRead(msiAddress(step.vector), 4));
        await vm.memWrite(msiAddress(step.vector), 4, 0);
        if (landed === 0) return '0';
        return landed === MSI_DATA + step.vector ? '1' : `data ${hexValue(landed)}`;
      }
      case 'ring': {
        const value = (this.ids[step.to] << 16) | step.vector;
        await this.vms[step.from].memWrite(BAR_BASE[0] + (step.offset ?? 12), step.width ?? 4, value);
        return 'ok';
      }
      case 'sync':
        await this.sync();
        return 'ok';
      case 'reset':
        await vm.write('outb', 0xcf9, 0x6);
        await vm.command('endianness');
        return 'ok';
      case 'join': {
        const { client, id } = await this.need().join();
        this.clients[client] = id;
        await this.sync();
        return `id ${id}`;
      }
      case 'client-take':
        return (await this.need().take(step.client)).join(' ');
      case 'client-ring': {
        const rung = await this.need().ring(step.client, this.ids[step.to], step.vector);
        return rung ? 'ok' : 'no such peer or vector';
      }
      case 'client-leave':
        await this.need().leave(step.client);
        await this.sync();
        return 'ok';
    }
  }

  private need(): PyServer {
    if (!this.server) throw new Error('the scenario has no server');
    return this.server;
  }

  /**
   * Waits until every QEMU has read every byte the server sent it and consumed every eventfd
   * signal (the server reads both from the kernel: TIOCOUTQ and /proc/self/fdinfo), then one
   * more qtest round trip to each, so that the handlers that consumed them have finished.
   */
  private async sync(): Promise<void> {
    if (this.server) {
      const clientIds = new Set(this.clients);
      await this.server.settled((id) => !clientIds.has(id));
    }
    for (const vm of this.vms) await vm.command('endianness');
  }

  async stop(): Promise<void> {
    for (const vm of this.vms) await vm.quit();
    await this.server?.quit();
    this.vms = [];
    this.ids = [];
    this.clients = [];
    this.server = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
