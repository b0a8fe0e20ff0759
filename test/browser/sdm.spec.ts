// virtio-sdm in Chromium: VMs as real Web Workers on the local channel; and the socket channel
// between a browser and Node through a real relay process, and between two tabs through the dev
// server's relay.
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { Host } from '../../src/index.ts';
import { SdmDriver } from '../../src/index.ts';
import { until } from '../cases/helpers.ts';
import { startRelay, type RelayProcess } from '../node/sdm-relay-process.ts';

const PORT = Number(process.env.PW_PORT ?? 5199);
const ORIGIN = `http://localhost:${PORT}`;

declare global {
  interface Window {
    sdmTest: { host?: unknown; echo?: Promise<unknown>; driver?: unknown; device?: unknown };
  }
}

async function open(page: Page): Promise<void> {
  await page.goto('/conformance.html');
  await page.waitForFunction(() => !!window.ivshmem);
}

// In the page: a host on the relay, a slave device that answers `rounds` IRQs with [p + 1, id].
async function pageSlave(page: Page, url: string, room: string, rounds: number): Promise<number> {
  return page.evaluate(async ({ url, room, rounds }) => {
    const { Host, SdmDriver } = window.ivshmem;
    const host = await Host.create({ memory: '32M' });
    host.addSdmSocket({ id: 'relay', url, room, token: 'browser-token' });
    const device = host.realize('virtio-sdm,id=s,chardev=relay');
    await device.sdm!.channel!.ready;
    const driver = new SdmDriver(device);
    driver.setup();
    window.sdmTest = { host };
    window.sdmTest.echo = (async () => {
      const got = [];
      for (let i = 0; i < rounds; i++) {
        let signal;
        const deadline = performance.now() + 60_000;
        while (!(signal = driver.poll())) {
          if (performance.now() > deadline) throw new Error('no IRQ from the master');
          await new Promise((r) => setTimeout(r, 2));
        }
        got.push(signal);
        driver.irq(0, [signal.payload[0] + 1, device.sdm!.id]);
      }
      return got;
    })();
    return device.sdm!.id;
  }, { url, room, rounds });
}

test.describe('virtio-sdm in Chromium', () => {
  test('local channel: a master VM boots three slave VMs (Web Workers) and exchanges 50 rounds of IRQs', async ({ page }) => {
    test.setTimeout(120_000);
    await open(page);
    const outcome = await page.evaluate(async () => {
      const { Host, programUrl } = window.ivshmem;
      const host = await Host.create({ memory: '64M' });
      const master = await host.spawn({ device: 'virtio-sdm,id=m,master=on,max_slaves=4', program: programUrl('sdm-master'), arg: { slaves: 3, rounds: 50 } });
      const slaves = [];
      for (let i = 1; i <= 3; i++) {
        slaves.push(await host.spawn({ device: `virtio-sdm,id=s${i},chardev=m`, program: programUrl('sdm-slave'), arg: { rounds: 50 }, boot: 'sdm' }));
      }
      const result = await master.result;
      const answers = await Promise.all(slaves.map((s) => s.result));
      const counters = master.device.sdm!.counters;
      await host.shutdown();
      return { result, answers, counters };
    });
    expect(outcome.result).toEqual({ replies: 150, wrong: [], timedOut: false });
    const answers = outcome.answers as { id: number; answered: number; boot: number[]; unexpected: unknown[] }[];
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2, 3]);
    for (const a of answers) expect(a).toEqual({ id: a.id, answered: 50, boot: [0x1000 * a.id, a.id], unexpected: [] });
    expect(outcome.counters).toMatchObject({ sent: 153, received: 150, dropped: 0 });
  });

  test('socket channel: a master in Node and slaves in Chromium (a device and a VM) through a relay process', async ({ page }) => {
    test.setTimeout(120_000);
    let relay: RelayProcess | undefined;
    const node = await Host.create({ memory: '32M' });
    try {
      relay = await startRelay(['--origin', ORIGIN]);
      node.addSdmSocket({ id: 'relay', url: relay.url, room: 'mixed', token: 'browser-token' });
      const master = node.realize('virtio-sdm,id=m,master=on,max_slaves=4,chardev=relay');
      await master.sdm!.channel!.ready;
      const m = new SdmDriver(master);
      m.setup();
      await open(page);
      expect(await pageSlave(page, relay.url, 'mixed', 3)).toBe(1);
      // A VM in the page, booted from Node across the relay.
      const vmId = await page.evaluate(async () => {
        const { programUrl } = window.ivshmem;
        const host = window.sdmTest.host as Host;
        const vm = await host.spawn({ device: 'virtio-sdm,id=v,chardev=relay', program: programUrl('sdm-slave'), arg: { rounds: 2 }, boot: 'sdm' });
        await vm.device.sdm!.channel!.ready;
        (window.sdmTest as Record<string, unknown>).vm = vm;
        return vm.device.sdm!.id;
      });
      expect(vmId).toBe(2);
      await until(() => master.sdm!.currentSlaves === 2, 'the master seeing both browser slaves', 30_000);
      const replies = [];
      for (let round = 1; round <= 3; round++) {
        m.irq(1, [round * 100, 7]);
        let reply;
        await until(() => (reply = m.poll()) !== undefined, 'the browser answering', 30_000);
        replies.push(reply);
      }
      expect(replies).toEqual([101, 201, 301].map((p) => ({ type: 0, slave: 1, payload: [p, 1] })));
      expect(await page.evaluate(() => window.sdmTest.echo)).toEqual([100, 200, 300].map((p) => ({ type: 0, slave: 0, payload: [p, 7] })));
      m.boot(2, [0xb007, 0]);
      for (let round = 1; round <= 2; round++) {
        m.irq(2, [round, 0]);
        let reply;
        await until(() => (reply = m.poll()) !== undefined, 'the browser VM answering', 60_000);
        expect(reply).toEqual({ type: 0, slave: 2, payload: [round + 1, 2] });
      }
      const vmResult = await page.evaluate(() => (window.sdmTest as { vm: { result: Promise<unknown> } }).vm.result);
      expect(vmResult).toMatchObject({ id: 2, answered: 2, boot: [0xb007, 0] });
    } finally {
      await node.shutdown();
      await relay?.stop();
    }
  });

  test('socket channel: two tabs through the dev server relay; the relay refuses a foreign Origin', async ({ page, context }) => {
    test.setTimeout(120_000);
    const url = `ws://localhost:${PORT}/sdm-relay`;
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { origin: 'http://evil.example' });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(refused).toBe(403);
    await open(page);
    const second = await context.newPage();
    await open(second);
    const masterReady = await page.evaluate(async (url) => {
      const { Host, SdmDriver } = window.ivshmem;
      const host = await Host.create({ memory: '32M' });
      host.addSdmSocket({ id: 'relay', url, room: 'tabs', token: 'browser-token' });
      const device = host.realize('virtio-sdm,id=m,master=on,max_slaves=2,chardev=relay');
      await device.sdm!.channel!.ready;
      const driver = new SdmDriver(device);
      driver.setup();
      window.sdmTest = { host, driver, device };
      return device.sdm!.id;
    }, url);
    expect(masterReady).toBe(0);
    expect(await pageSlave(second, url, 'tabs', 2)).toBe(1);
    const replies = await page.evaluate(async () => {
      const driver = window.sdmTest.driver as SdmDriver;
      const device = window.sdmTest.device as { sdm: { currentSlaves: number } };
      const wait = async <T>(get: () => T | undefined): Promise<T> => {
        const deadline = performance.now() + 60_000;
        for (let v = get(); ; v = get()) {
          if (v !== undefined) return v;
          if (performance.now() > deadline) throw new Error('timed out');
          await new Promise((r) => setTimeout(r, 2));
        }
      };
      await wait(() => (device.sdm.currentSlaves === 1 ? true : undefined));
      const got = [];
      for (let round = 1; round <= 2; round++) {
        driver.irq(1, [round, 0xabc]);
        got.push(await wait(() => driver.poll()));
      }
      return got;
    });
    expect(replies).toEqual([2, 3].map((p) => ({ type: 0, slave: 1, payload: [p, 1] })));
    expect(await second.evaluate(() => window.sdmTest.echo)).toEqual([1, 2].map((p) => ({ type: 0, slave: 0, payload: [p, 0xabc] })));
  });
});
