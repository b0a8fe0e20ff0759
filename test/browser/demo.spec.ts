// The demo page: VMs pass a token around; killing one mid-run leaves the others going, and the
// server log shows the departure.
import { expect, test } from '@playwright/test';

test('the demo: a token ring of VMs survives a VM killed mid-run and one added', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/index.html');
  await page.fill('#count', '3');
  await page.click('#start');
  const delivered = () => page.evaluate(() => window.demo.running()?.vms.map((vm) => vm.counters.delivered[0]) ?? []);
  await expect.poll(async () => {
    const counts = await delivered();
    return counts.length === 3 ? Math.min(...counts) : 0;
  }, { timeout: 20_000 }).toBeGreaterThan(100);
  const victim = await page.evaluate(() => window.demo.running()!.vms[1].id);
  await page.evaluate(() => window.demo.kill(1));
  const after = await delivered();
  expect(after).toHaveLength(2);
  await expect.poll(async () => {
    const now = await delivered();
    return now.every((n, i) => n > after[i] + 100);
  }, { timeout: 20_000 }).toBe(true);
  await expect(page.locator('#log')).toContainText(`peer ${victim} is gone`);
  await page.evaluate(() => window.demo.add());
  await expect.poll(async () => (await delivered())[2] ?? 0, { timeout: 20_000 }).toBeGreaterThan(100);
  await page.screenshot({ path: 'test-results/demo.png', fullPage: true });
  await page.click('#stop');
  await expect(page.locator('#start')).toBeEnabled();
  expect(errors).toEqual([]);
});
