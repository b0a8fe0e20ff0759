// The Linux scenarios as a person uses them: two Linux VMs boot in the workbench, each with a
// terminal on its serial console; the exchange runs from the button, and a command typed by hand
// runs in the guest; then a Linux VM and a JavaScript VM exchange messages. Their doorbells reach
// the timeline like any VM's. Skipped, saying why, when build/linux/ has no images.
import { expect, test, type Page } from '@playwright/test';
import { linuxImages, LINUX_IMAGES_MISSING } from '../../linux/images.ts';
import { openScenario, watchErrors } from './workbench-helpers.ts';

// A boot is some 15 s of CPU; two at once in one page on a loaded 2-core machine take minutes.
const BOOT_MS = 15 * 60_000;

const terminals = (page: Page) => page.locator('.linux-terminal');

/** Waits for `count` terminals to reach the shell; their VMs' IDs (the page's own client is 0). */
async function booted(page: Page, count: number): Promise<number[]> {
  await expect(terminals(page)).toHaveCount(count, { timeout: BOOT_MS });
  for (let i = 0; i < count; i++) await expect(terminals(page).nth(i)).toHaveAttribute('data-stage', 'shell', { timeout: BOOT_MS });
  return Promise.all(Array.from({ length: count }, async (_, i) => Number(await terminals(page).nth(i).getAttribute('data-vm'))));
}

test.describe('Linux VMs in the workbench', () => {
  test.skip(!linuxImages, LINUX_IMAGES_MISSING);

  test('two Linux VMs boot, exchange messages from the button and take a command typed by hand', async ({ page }) => {
    test.setTimeout(2 * BOOT_MS);
    const errors = watchErrors(page);
    await openScenario(page, 'linux-pair');
    const [a, b] = await booted(page, 2);
    // Linux enumerated the device with QEMU's identity (linux/init prints it from /sys)
    await expect(terminals(page).nth(0)).toContainText('vendor 0x1af4 device 0x1110 class 0x050000');
    await page.getByRole('button', { name: 'Run the exchange' }).click();
    const result = page.locator('output[aria-label="exchange result"]');
    await expect(result).toContainText(`VM ${b} from ${a}: hello-from-${a}`, { timeout: BOOT_MS });
    await expect(result).toContainText(`VM ${a} from ${b}: hello-from-${b}`, { timeout: BOOT_MS });
    // the doorbells are in the timeline, from one VM's column to the other's
    await expect(page.locator(`.sequence g[data-kind="doorbell"][data-from="${a}"][data-to="${b}"]`).first()).toBeAttached({ timeout: 60_000 });
    await expect(page.locator(`.sequence g[data-kind="doorbell"][data-from="${b}"][data-to="${a}"]`).first()).toBeAttached({ timeout: 60_000 });
    // typed by hand into the second VM's terminal
    await terminals(page).nth(1).locator('.xterm').click();
    await page.keyboard.type('ivshmem-uio info\n');
    await expect(terminals(page).nth(1)).toContainText(`id ${b} bar0 256 bar2 1048576`, { timeout: BOOT_MS });
    expect(errors).toEqual([]);
  });

  test('a Linux VM and a JavaScript VM exchange messages', async ({ page }) => {
    test.setTimeout(2 * BOOT_MS);
    const errors = watchErrors(page);
    await openScenario(page, 'linux-js');
    const [linux] = await booted(page, 1);
    await page.getByRole('button', { name: 'Run the exchange' }).click();
    const result = page.locator('output[aria-label="exchange result"]');
    const js = linux + 1;
    await expect(result).toContainText(`VM ${linux} from ${js}: echo: hello-from-linux`, { timeout: BOOT_MS });
    await expect(page.locator(`.sequence g[data-kind="doorbell"][data-from="${linux}"][data-to="${js}"]`).first()).toBeAttached({ timeout: 60_000 });
    await expect(page.locator(`.sequence g[data-kind="doorbell"][data-from="${js}"][data-to="${linux}"]`).first()).toBeAttached({ timeout: 60_000 });
    expect(errors).toEqual([]);
  });
});
