// Every scenario's text says what happens: which VM dies and what the server then says, where the
// hex view shows what the text asks you to watch, what the topology draws; the toolbar's pace
// control is named for what it changes in each scenario; "Copy as QEMU command line" names each
// QEMU process after the VM the page shows (by ID, not by place in the list).
import { expect, test, type Page } from '@playwright/test';
import { openScenario, watchErrors } from './workbench-helpers.ts';

const panel = (page: Page, id: number) => page.getByRole('region', { name: `VM ${id}`, exact: true });
const hint = (page: Page) => page.locator('.lede');

test('peer dies: the VM the text says is killed is the one killed, and the server says so', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openScenario(page, 'peer-dies');
  const text = (await hint(page).textContent())!;
  const killed = Number(/the page kills VM (\d+)/.exec(text)?.[1]);
  const client = Number(/VM (\d+) sends requests/.exec(text)?.[1]);
  const next = Number(/VM (\d+) take over/.exec(text)?.[1]);
  expect(text).toContain(`"peer ${killed} is gone"`);
  // The client and the server the text names are the page's VMs, and the client is the one asking.
  await expect(panel(page, client)).toBeVisible({ timeout: 30_000 });
  await expect(panel(page, killed)).toBeVisible();
  const log = page.getByRole('region', { name: 'ivshmem-server log' });
  await expect(log).toContainText(`peer ${killed} is gone`, { timeout: 60_000 });
  await expect(panel(page, killed)).toHaveCount(0);
  await expect(panel(page, client)).toBeVisible();
  await expect(panel(page, next)).toBeVisible({ timeout: 60_000 });
  await expect(panel(page, client).locator('.last-log')).toContainText(/server VM \d+ is there|no answer|request/, { timeout: 60_000 });
  expect(errors).toEqual([]);
});

test('ring producer/consumer: the hex view opens on the ring the text points at, head and tail moving', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openScenario(page, 'ring-stream');
  await expect(hint(page)).toContainText('0x1000');
  const hex = page.getByRole('region', { name: 'Shared memory (BAR2)' });
  await expect(hex.locator('.hexdump tr').first().locator('th')).toHaveText('001000');
  // head (+0x40) is in view and changes as bursts go through.
  const head = hex.locator(`td[data-offset="${0x1040}"]`);
  await expect(head).toBeVisible();
  const first = await head.textContent();
  await expect(head).not.toHaveText(first!, { timeout: 60_000 });
  await expect(hex.getByLabel('Decoded')).toContainText('message ring');
  expect(errors).toEqual([]);
});

test('SDM: the text says there is no server, and the topology draws none and no shared memory', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openScenario(page, 'sdm');
  await expect(page.getByRole('region', { name: 'About this scenario' })).toContainText('No server');
  await expect(page.locator('.topology [data-role="master"]')).toHaveCount(1, { timeout: 30_000 });
  await expect(page.locator('.topology .server')).toHaveCount(0);
  await expect(page.locator('.topology .shm')).toHaveCount(0);
  await expect(page.locator('.topology')).not.toContainText('ivshmem-server');
  await page.getByRole('button', { name: 'Copy as QEMU command line' }).click();
  await expect(page.getByLabel('QEMU command lines')).not.toContainText('ivshmem-server');
  await expect(page.getByLabel('QEMU command lines')).toContainText('# SDM master');
  expect(errors).toEqual([]);
});

test('the pace control is named for what it changes in each scenario', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  const named = { 'token-ring': 'each VM holds the token', 'ping-pong': 'rest between bursts', 'broadcast-storm': 'each VM broadcasts every', 'sdm': 'the master signals every', 'flat-mcus': 'each MCU holds a message' };
  for (const [id, label] of Object.entries(named)) {
    await openScenario(page, id);
    await expect(page.locator('.toolbar').getByRole('combobox', { name: label, exact: true })).toBeVisible();
  }
  // The masked vector has no pace: nothing in it waits on one.
  await openScenario(page, 'masked-vector');
  await expect(page.locator('.toolbar').getByRole('combobox')).toHaveCount(1); // the accelerator alone
  expect(errors).toEqual([]);
});

test('"Copy as QEMU command line" names each QEMU after the page\'s VM, by ID', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await page.goto('/index.html');
  await expect(panel(page, 3)).toBeVisible({ timeout: 60_000 });
  await panel(page, 2).getByRole('button', { name: 'Kill' }).click();
  await expect(panel(page, 2)).toHaveCount(0);
  const form = page.getByRole('form', { name: 'Add a VM' });
  await form.getByRole('button', { name: 'Add VM' }).click();
  await expect(panel(page, 4)).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Copy as QEMU command line' }).click();
  const lines = page.getByLabel('QEMU command lines');
  for (const id of [1, 3, 4]) {
    await expect(lines).toContainText(`# VM ${id}\n`);
    await expect(lines).toContainText(`guest-vm${id}.qcow2`);
  }
  await expect(lines).not.toContainText('# VM 2');
  expect(errors).toEqual([]);
});
