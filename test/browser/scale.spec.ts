// Each VM is its own machine, in Chromium too: 64 VMs (Web Workers) on one server, each on its own
// PCI bus, and a broadcast from the page's own ivshmem-client reaching every one of them.
import { expect, test } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  await page.goto('/conformance.html');
  await page.waitForFunction(() => !!window.ivshmem);
});

test('64 VM workers on one server; a broadcast (int all) reaches every one, counted', async ({ page }) => {
  test.setTimeout(240_000);
  const outcome = await page.evaluate(async () => {
    const { Host, programUrl } = window.ivshmem;
    const host = await Host.create({ memory: '64M' });
    const server = host.addServer({ id: 'srv', size: '1M', vectors: 1 });
    const program = programUrl('wait-once');
    const vms = [];
    for (let i = 0; i < 64; i += 8) {
      vms.push(...await Promise.all(Array.from({ length: 8 }, () => host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program }))));
    }
    const deadline = performance.now() + 120_000;
    while (!vms.every((vm) => vm.log.includes('ready'))) {
      if (performance.now() > deadline) throw new Error('not every VM brought its device up within 120 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    const client = host.connectClient('srv');
    const known = client.peers.size;
    client.command('int all');
    const results = await Promise.all(vms.map((vm) => vm.result));
    const delivered = vms.map((vm) => vm.counters.delivered[0]);
    const addresses = new Set(vms.map((vm) => `${vm.address.bus}:${vm.address.address}`));
    const ids = new Set(vms.map((vm) => vm.id)).size;
    const peers = server.peerIds.length;
    await host.shutdown();
    return { results, delivered, addresses: [...addresses], ids, peers, known };
  });
  expect(outcome.peers).toBe(65);
  expect(outcome.ids).toBe(64);
  expect(outcome.known, 'the client knows every VM and itself').toBe(65);
  expect(outcome.addresses, 'every VM on its own bus, where a fresh QEMU puts the device').toEqual(['pci.0:04.0']);
  expect(outcome.results.filter((v) => v === 0), 'VMs that took the broadcast').toHaveLength(64);
  expect(outcome.delivered).toEqual(Array(64).fill(1));
});
