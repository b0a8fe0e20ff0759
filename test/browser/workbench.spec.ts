// The workbench, driven as a person would: it is alive on arrival, a doorbell rung by clicking
// reaches the chosen VM, a masked vector holds it pending until unmasked, a killed VM makes the
// server tell the others, a bad option string shows QEMU's error, a VM waiting in 'spin' shows what
// its wait policy did. No console or page errors.
import { expect, test, type Page } from '@playwright/test';
import { openScenario, runs, watchErrors } from './workbench-helpers.ts';

const panel = (page: Page, id: number) => page.getByRole('region', { name: `VM ${id}`, exact: true });
const delivered = async (page: Page, id: number, vector = 0) =>
  Number((await panel(page, id).locator(`[data-delivered="${vector}"]`).textContent())!.replaceAll(',', ''));

test('alive on arrival: three VMs pass a token within seconds, with one sentence saying what to do', async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  await expect(page.getByText('What you see:')).toBeVisible({ timeout: 30_000 });
  for (const id of [1, 2, 3]) await expect(panel(page, id)).toBeVisible({ timeout: 30_000 });
  // Every VM takes the token at least twice: the ring is going round.
  await expect.poll(async () => Math.min(await delivered(page, 1), await delivered(page, 2), await delivered(page, 3)), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.locator('.topology svg')).toBeVisible();
  expect(errors).toEqual([]);
});

test('ring a chosen peer by clicking; mask, ring, see pending, unmask, see it delivered', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  for (const id of [1, 2, 3]) await expect(panel(page, id)).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Pause all' }).click();
  await expect(page.getByRole('button', { name: 'Resume all' })).toBeVisible();
  // Paused: nothing moves any more (wait for two equal readings).
  let before = -1;
  await expect.poll(async () => { const now = await delivered(page, 3); const same = now === before; before = now; return same; }, { timeout: 30_000 }).toBe(true);

  const vm1 = panel(page, 1);
  await vm1.getByLabel('VM 1 ring which peer').selectOption('3');
  await vm1.getByRole('button', { name: 'Ring' }).click();
  await expect.poll(() => delivered(page, 3), { timeout: 30_000 }).toBe(before + 1);

  // Mask vector 0 of VM 3 (its driver writes the MSI-X entry's mask bit), ring it: pending.
  await panel(page, 3).getByLabel('VM 3 mask vector 0').click();
  await expect(panel(page, 3).getByLabel('VM 3 mask vector 0')).toBeChecked({ timeout: 30_000 });
  await expect(panel(page, 3).locator('.busy')).toHaveCount(0, { timeout: 30_000 });
  await vm1.getByRole('button', { name: 'Ring' }).click();
  await expect(panel(page, 3).locator('[data-pba="0"]')).toHaveText('1', { timeout: 30_000 });
  await expect(page.locator('.topology [data-vm="3"] .pending-badge')).toContainText('pending v0');
  expect(await delivered(page, 3)).toBe(before + 1);

  // Unmask: the pending message is delivered, the PBA bit clears.
  await panel(page, 3).getByLabel('VM 3 mask vector 0').click();
  await expect(panel(page, 3).getByLabel('VM 3 mask vector 0')).not.toBeChecked({ timeout: 30_000 });
  await expect(panel(page, 3).locator('[data-pba="0"]')).toHaveText('0', { timeout: 30_000 });
  await expect.poll(() => delivered(page, 3), { timeout: 30_000 }).toBe(before + 2);
  expect(errors).toEqual([]);
});

test("a VM waiting in 'spin' shows what the wait policy did, and the counts move on", async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  // ping-pong: both VMs wait with vm.wait(), in the mode the panel selects (the token ring's waitAsync has no modes)
  await openScenario(page, 'ping-pong');
  await expect(page.locator('.vm-panel')).toHaveCount(2, { timeout: 30_000 }); // its two VMs, not the token ring's three
  const vm1 = page.locator('.vm-panel').first();
  const label = (await vm1.getAttribute('aria-label'))!;
  await vm1.getByLabel(`${label} wait mode`).selectOption('spin');
  const policy = vm1.locator('[data-spin-waits]');
  await expect(policy).toBeVisible({ timeout: 30_000 });
  const waits = async () => Number(await policy.getAttribute('data-spin-waits'));
  expect(await waits()).toBeGreaterThan(0);
  await expect(policy).toContainText(/\d+ % of [\d,]+ waits parked · [\d,]+ spun \([\d,]+ caught, [\d,]+ ran out\) · [\d,]+ probes, [\d,]+ held/);
  const first = await waits();
  await expect.poll(waits, { timeout: 30_000 }).toBeGreaterThan(first);
  expect(errors).toEqual([]);
});

test('kill a VM: the server tells every other client it is gone', async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  await expect(panel(page, 2)).toBeVisible({ timeout: 30_000 });
  await panel(page, 2).getByRole('button', { name: 'Kill' }).click();
  await expect(panel(page, 2)).toHaveCount(0);
  const log = page.getByRole('region', { name: 'ivshmem-server log' });
  for (const peer of [0, 1, 3]) await expect(log).toContainText(`to ${peer}: 2`, { timeout: 30_000 });
  await expect(log).toContainText('peer 2 is gone');
  expect(errors).toEqual([]);
});

test('add a VM from an option string; a bad one gets QEMU\'s error inline', async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  await expect(panel(page, 3)).toBeVisible({ timeout: 30_000 });
  const form = page.getByRole('form', { name: 'Add a VM' });
  const option = form.getByLabel('-device');
  await option.fill('ivshmem-doorbell,chardev=nope');
  await form.getByRole('button', { name: 'Add VM' }).click();
  await expect(form.locator('.error')).toHaveText("qemu-system-x86_64: -device ivshmem-doorbell,chardev=nope: Property 'ivshmem-doorbell.chardev' can't find value 'nope'", { timeout: 30_000 });
  await expect(panel(page, 4)).toHaveCount(0);

  await form.getByLabel('model').selectOption('ivshmem (legacy, INTx)');
  await expect(option).toHaveValue('ivshmem,chardev=srv,msi=off');
  await form.getByRole('button', { name: 'Add VM' }).click();
  await expect(panel(page, 4)).toBeVisible({ timeout: 30_000 });
  await expect(form.locator('.error')).toHaveText('');
  await expect(panel(page, 4)).toContainText('IntrStatus');
  await expect(panel(page, 4).locator('.model')).toHaveText('ivshmem');
  expect(errors).toEqual([]);
});

test('a doorbell rung by clicking shows in the counters, the hex view and the sequence chart', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openScenario(page, 'masked-vector');
  await expect(panel(page, 2)).toBeVisible();
  const before = await delivered(page, 2, 0);
  const hexCell = page.getByRole('region', { name: 'Shared memory (BAR2)' }).locator('td[data-offset="136"]'); // 0x80 + 4 * 2
  const cellBefore = await hexCell.textContent();
  await panel(page, 1).getByLabel('VM 1 ring which peer').selectOption('2');
  await panel(page, 1).getByRole('button', { name: 'Ring' }).click();
  await expect.poll(() => delivered(page, 2, 0), { timeout: 30_000 }).toBe(before + 1);
  // VM 2's driver counts the interrupt it took in its word of the shared memory: the byte changes and glows.
  await expect(hexCell).not.toHaveText(cellBefore!, { timeout: 30_000 });
  await expect(hexCell).toHaveClass(/hot/);
  const arrow = page.locator('.sequence g[data-kind="doorbell"][data-from="1"][data-to="2"]');
  await expect(arrow).toHaveCount(1, { timeout: 30_000 });
  // A live chart moves under the pointer as events arrive: pause it, as a person would, then click.
  await page.getByRole('button', { name: 'Pause timeline' }).click();
  await arrow.locator('rect.hit').click();
  await expect(page.getByRole('status', { name: 'Selected event' })).toContainText('VM 1 rings VM 2 vector 0');
  expect(errors).toEqual([]);
});

test('every scenario runs', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  const picker = page.getByRole('combobox', { name: 'Scenario' });
  const ids = await picker.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
  expect(ids.length).toBeGreaterThanOrEqual(6);
  // The Linux scenarios boot kernels for minutes: test/browser/linux.spec.ts runs them.
  for (const id of ids.filter((option) => !option.startsWith('linux-'))) {
    await picker.selectOption(id);
    await runs(page, id, 90_000);
    await expect(page.getByRole('region', { name: 'About this scenario' })).not.toBeEmpty();
    // Something other than the server's handshake happens: doorbells, deliveries, pending bits.
    await expect.poll(() => page.locator('.sequence .ev:not(.server)').count(), { timeout: 60_000, message: id }).toBeGreaterThan(0);
    if (id === 'frame-relay') await expect.poll(async () => Number(await page.locator('[data-fps]').getAttribute('data-fps')), { timeout: 60_000 }).toBeGreaterThan(0);
    if (id === 'masked-vector') await expect(panel(page, 2).locator('[data-pba="1"]')).toHaveText('1', { timeout: 60_000 });
    if (id === 'peer-dies') await expect(page.getByRole('region', { name: 'ivshmem-server log' })).toContainText('is gone', { timeout: 60_000 });
  }
  expect(errors).toEqual([]);
});

// Screenshots of the laptop and phone layouts (the token ring, its playground, and the ivshmem-flat MCUs), and the laptop in the dark theme (the app follows
// prefers-color-scheme), as test artifacts (test-results/); the README's copies in
// docs/screenshots/ are refreshed from them by hand after looking at them.
const LAYOUTS = [
  ['laptop', { width: 1366, height: 900 }, 'light'],
  ['phone', { width: 390, height: 844 }, 'light'],
  ['laptop-dark', { width: 1366, height: 900 }, 'dark'],
  ['phone-dark', { width: 390, height: 844 }, 'dark'],
] as const;
for (const [name, viewport, colorScheme] of LAYOUTS) {
  test(`screenshots: ${name} layout, workbench and playground`, async ({ page }) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize(viewport);
    await page.goto('/index.html');
    await expect(panel(page, 3)).toBeVisible({ timeout: 30_000 });
    await expect.poll(() => page.locator('.sequence .ev:not(.server)').count(), { timeout: 30_000 }).toBeGreaterThan(3);
    // Nothing wider than the viewport but the scrollable chart and hex dump.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The laptop's first screen, as the README shows it (what a visitor sees without scrolling).
    await page.screenshot({ path: `test-results/screenshots/${name}-workbench.png` });
    await page.getByRole('tab', { name: 'Playground' }).click();
    await expect(page.getByRole('region', { name: 'VM 1 program' }).locator('.cm-content')).toBeVisible();
    await page.screenshot({ path: `test-results/screenshots/${name}-playground.png` });
    // a sysbus device's scenario: two MCUs on ivshmem-flat, their panels without PCI
    await page.getByRole('tab', { name: 'Workbench' }).click();
    await page.getByRole('combobox', { name: 'Scenario' }).selectOption('flat-mcus');
    await runs(page, 'flat-mcus');
    await expect(panel(page, 2)).toContainText('ivshmem-shmem', { timeout: 30_000 });
    await expect.poll(() => page.locator('.sequence .ev[data-kind="doorbell"]').count(), { timeout: 30_000 }).toBeGreaterThan(3);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/screenshots/${name}-flat-mcus.png` });
    expect(errors).toEqual([]);
  });
}
