// The accelerator choice (Host.create's accel, QEMU's -accel), made in the toolbar: it restarts
// the workbench on a new Host, shows which is active, stays in the address and in the QEMU
// command line, and decides what becomes of a doorbell rung while the guest has MSI-X off: with
// tcg QEMU drops it, with kvm it waits in the eventfd and is delivered when MSI-X is enabled.
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './workbench-helpers.ts';

const panel = (page: Page, id: number) => page.getByRole('region', { name: `VM ${id}`, exact: true });
const number = async (page: Page, id: number, selector: string) =>
  Number((await panel(page, id).locator(selector).first().textContent())!.split('/').at(-1)!.replaceAll(',', '').trim());
const delivered = (page: Page, id: number) => number(page, id, '[data-delivered="0"]');
const dropped = (page: Page, id: number) => number(page, id, '[data-dropped]');

for (const [accel, other] of [['kvm', 'tcg'], ['tcg', 'kvm']] as const) {
  test(`accel ${accel}: chosen in the toolbar; a doorbell rung while MSI-X is off is ${accel === 'kvm' ? 'delivered at the enable' : 'dropped'}`, async ({ page }) => {
    test.setTimeout(150_000);
    const errors = watchErrors(page);
    // Start on the other accelerator, then switch in the toolbar.
    await page.goto(`/index.html?accel=${other}`);
    await expect(page.locator('.topology')).toContainText(`-accel ${other}`, { timeout: 60_000 });
    await page.getByRole('combobox', { name: 'Scenario' }).selectOption('masked-vector');
    await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 60_000 });
    const choice = page.getByLabel('accelerator', { exact: true });
    await expect(choice).toHaveValue(other);
    await choice.selectOption(accel);
    await expect(page.locator('.topology')).toContainText(`-accel ${accel}`, { timeout: 60_000 });
    await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 60_000 });
    await expect(choice).toHaveValue(accel);
    expect(new URL(page.url()).searchParams.get('accel')).toBe(accel);
    await page.getByRole('button', { name: 'Copy as QEMU command line' }).click();
    await expect(page.getByLabel('QEMU command lines')).toContainText(`qemu-system-x86_64 -machine pc -accel ${accel} -m 1G`);
    await expect(page.getByLabel('QEMU command lines')).not.toContainText(`-accel ${other}`);

    // Nothing else rings VM 2 while paused (the scenario's client rings only while running).
    await expect(panel(page, 2)).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Pause all' }).click();
    for (const id of [1, 2]) await expect(page.locator(`.topology .vm.paused[data-vm="${id}"]`)).toBeVisible({ timeout: 30_000 });
    const enable = panel(page, 2).getByLabel('enable');
    await enable.click();
    await expect(enable).not.toBeChecked({ timeout: 30_000 });
    await expect(panel(page, 2).locator('.busy')).toHaveCount(0, { timeout: 30_000 });
    const before = { delivered: await delivered(page, 2), dropped: await dropped(page, 2) };

    await panel(page, 1).getByLabel('VM 1 ring which peer').selectOption('2');
    await panel(page, 1).getByLabel('VM 1 ring which vector').fill('0');
    await panel(page, 1).getByRole('button', { name: 'Ring' }).click();
    await expect(page.locator('.sequence g[data-kind="doorbell"][data-from="1"][data-to="2"]')).not.toHaveCount(0, { timeout: 30_000 });
    if (accel === 'tcg') await expect.poll(() => dropped(page, 2), { timeout: 30_000 }).toBe(before.dropped + 1);
    expect(await delivered(page, 2)).toBe(before.delivered);

    await enable.click();
    await expect(enable).toBeChecked({ timeout: 30_000 });
    await expect(panel(page, 2).locator('.busy')).toHaveCount(0, { timeout: 30_000 });
    if (accel === 'kvm') {
      await expect.poll(() => delivered(page, 2), { timeout: 30_000 }).toBe(before.delivered + 1);
      expect(await dropped(page, 2)).toBe(before.dropped);
    } else {
      expect(await delivered(page, 2)).toBe(before.delivered);
      expect(await dropped(page, 2)).toBe(before.dropped + 1);
    }
    expect(errors).toEqual([]);
  });
}
