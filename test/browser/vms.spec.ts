// Guest VMs as real Web Workers in Chromium: a long ping-pong counted on both sides, and a VM
// killed mid-run while the others carry on.
import { expect, test } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  await page.goto('/conformance.html');
  await page.waitForFunction(() => !!window.ivshmem);
});

test('two VM workers ping-pong 10,000 doorbells with no lost or duplicated interrupt', async ({ page }) => {
  const outcome = await page.evaluate(async () => {
    const { Host, programUrl } = window.ivshmem;
    const host = await Host.create({ memory: '32M' });
    host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const program = programUrl('ping-pong');
    const a = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds: 10_000, serve: false } });
    const b = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program, arg: { rounds: 10_000, serve: true } });
    const [ra, rb] = await Promise.all([a.result, b.result]);
    const counters = [a.counters, b.counters];
    await Promise.all([a.terminate(), b.terminate()]);
    return { ra, rb, counters };
  });
  type Side = { received: number; sent: number; unexpected: number; extra: number; elapsedMs: number };
  const ra = outcome.ra as Side;
  const rb = outcome.rb as Side;
  console.log(`Chromium ping-pong: 10000 round trips in ${ra.elapsedMs.toFixed(0)} ms (${(ra.elapsedMs / 10).toFixed(2)} us each)`);
  expect([ra.sent, ra.received, ra.unexpected, ra.extra]).toEqual([10_000, 10_000, 0, -1]);
  expect([rb.sent, rb.received, rb.unexpected, rb.extra]).toEqual([10_000, 10_000, 0, -1]);
  expect(outcome.counters.map((c) => c.delivered[0])).toEqual([10_000, 10_000]);
  expect(outcome.counters.map((c) => c.pending[0])).toEqual([false, false]);
});

test('killing a VM mid-run: the server announces it gone, doorbells to it are ignored, the others keep running', async ({ page }) => {
  const outcome = await page.evaluate(async () => {
    const { Host, programUrl, driver } = window.ivshmem;
    const host = await Host.create({ memory: '32M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const echo = programUrl('echo');
    const survivor = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: echo, arg: {} });
    const victim = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: echo, arg: {} });
    const local = host.realize('ivshmem-doorbell,chardev=srv');
    driver.bringUpDoorbell(local);
    const until = async (condition: () => boolean) => {
      const deadline = performance.now() + 10_000;
      while (!condition()) {
        if (performance.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    await until(() => victim.log.length > 0 && survivor.log.length > 0);
    driver.ring(local, victim.id, 0);
    await until(() => victim.counters.delivered[0] === 1);
    const victimId = victim.id;
    await victim.terminate();
    const gone = server.log.findIndex((e) => e.event === 'disconnect' && e.peer === victimId);
    const announced = server.log.slice(gone + 1).filter((e) => e.event === 'send' && e.message?.value === BigInt(victimId) && !e.message.handle).map((e) => e.peer);
    const victimResult = await victim.result.then(() => 'resolved', (e: Error) => e.message);
    driver.ring(local, victimId, 0);
    for (let i = 0; i < 5; i++) driver.ring(local, survivor.id, 0);
    await until(() => survivor.counters.delivered[0] === 5);
    survivor.stop();
    const answered = await survivor.result;
    const delivered = survivor.counters.delivered[0];
    await survivor.terminate();
    return { victimId, announced, peersLeft: server.peerIds, localPeers: local.peers().map((p) => p.id), victimResult, answered, delivered, devices: host.devices.length };
  });
  expect(outcome.announced.sort()).toEqual([0, 2]);
  expect(outcome.peersLeft).not.toContain(outcome.victimId);
  expect(outcome.localPeers).not.toContain(outcome.victimId);
  expect(outcome.victimResult).toBe('the VM was terminated');
  expect(outcome.delivered).toBe(5);
  // Five messages on one vector before the guest takes any coalesce in its IRR, as on a real CPU.
  expect(outcome.answered).toBeGreaterThanOrEqual(1);
  expect(outcome.answered).toBeLessThanOrEqual(5);
  expect(outcome.devices).toBe(1);
});
