// The ivshmem-flat scenario, driven as a person would: two MCUs pass messages, each IRQ a pulse of
// vector 0, their mailboxes decoded under the hex view; paused, a ring of the peer's vector 1 from
// one MCU's panel reaches the device (the timeline draws it) and leaves the other's IRQ count where
// it was, a ring of vector 0 moves it by one; "Copy as QEMU command line" gives the board wiring
// upstream lacks; the shared memory is named as the bus names it. No console or page errors.
import { expect, test, type Page } from '@playwright/test';
import { openScenario, watchErrors } from './workbench-helpers.ts';

const panel = (page: Page, id: number) => page.getByRole('region', { name: `VM ${id}`, exact: true });
const irqs = async (page: Page, id: number) => Number((await panel(page, id).locator('[data-delivered="0"]').textContent())!.replaceAll(',', ''));

test('ivshmem-flat: two MCUs on one IRQ line each; vector 1 never interrupts, vector 0 does; the board wiring', async ({ page }) => {
  test.setTimeout(150_000);
  const errors = watchErrors(page);
  await openScenario(page, 'flat-mcus');
  await expect(page.getByRole('region', { name: 'About this scenario' })).toContainText('only vector 0 interrupts it');
  // the page's ivshmem-client is ID 0, the two MCUs 1 and 2
  for (const id of [1, 2]) {
    await expect(panel(page, id)).toContainText('ivshmem-flat', { timeout: 30_000 });
    await expect(panel(page, id)).toContainText('one line, pulsed by vector 0 only');
    await expect(panel(page, id)).not.toContainText('Command');
  }
  await expect.poll(async () => Math.min(await irqs(page, 1), await irqs(page, 2)), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  // the shared memory is each MCU's sysbus region "ivshmem-shmem", not a PCI BAR
  await expect(page.getByRole('region', { name: 'Shared memory (ivshmem-shmem)' })).toBeVisible();
  await expect(page.locator('.topology .shm')).toContainText("every VM's ivshmem-shmem maps these bytes");
  // every third message also rang the peer's vector 1, 2 or 3: the mailboxes count them
  const decoded = page.getByLabel('Decoded');
  await expect(decoded).toContainText("MCU 1's mailbox");
  await expect(decoded).toContainText("MCU 2's mailbox");
  await expect.poll(async () => Number((await decoded.textContent())!.match(/other vectors rung\s*(\d+)/)?.[1] ?? 0), { timeout: 60_000 }).toBeGreaterThan(0);

  await page.getByRole('button', { name: 'Pause all' }).click();
  // both MCUs' programs have parked (an MCU holding a message rings its peer after the hold, then
  // parks): the topology says "pausing" until then
  for (const id of [1, 2]) await expect(page.locator(`.topology .vm.paused[data-vm="${id}"]`)).toBeVisible({ timeout: 30_000 });
  const before = await irqs(page, 2);

  const mcu1 = panel(page, 1);
  await mcu1.getByLabel('VM 1 ring which peer').selectOption('2');
  await mcu1.getByLabel('VM 1 ring which vector').fill('1');
  await mcu1.getByRole('button', { name: 'Ring' }).click();
  // the doorbell went out (an arrow labelled v1 from MCU 1 to MCU 2), and no interrupt came of it
  await expect(page.locator('.sequence g[data-kind="doorbell"][data-from="1"][data-to="2"]').filter({ hasText: 'v1' }).first()).toBeVisible({ timeout: 30_000 });
  await expect(mcu1.locator('.busy')).toHaveCount(0, { timeout: 30_000 });
  expect(await irqs(page, 2)).toBe(before);

  await mcu1.getByLabel('VM 1 ring which vector').fill('0');
  await mcu1.getByRole('button', { name: 'Ring' }).click();
  await expect.poll(() => irqs(page, 2), { timeout: 30_000 }).toBe(before + 1);

  await page.getByRole('button', { name: 'Copy as QEMU command line' }).click();
  const lines = page.getByLabel('QEMU command lines');
  await expect(lines).toContainText('ivshmem-server -F -v -S /tmp/ivshmem_socket -M ivshmem -l 4M -n 4');
  await expect(lines).toContainText('qemu-system-arm -machine lm3s6965evb -cpu cortex-m3');
  await expect(lines).toContainText("-device ivshmem-flat,chardev=srv,x-irq-qompath='/machine/soc/v7m/nvic/unnamed-gpio-in[0]',x-bus-address-iomem=0x400ff000,x-bus-address-shmem=0x40100000");
  await expect(lines).toContainText('not user-creatable');
  expect(errors).toEqual([]);
});
