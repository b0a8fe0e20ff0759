// The shared case list, run inside Chromium with real Web Workers as VMs.
import { expect, test } from '@playwright/test';

test('the conformance suite passes in Chromium, case by case', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/conformance.html');
  expect(await page.evaluate(() => crossOriginIsolated), 'COOP/COEP headers make the page cross-origin isolated').toBe(true);
  const total = await page.evaluate(() => window.conformance.total);
  const results = await page.evaluate(() => window.conformance.run());
  const failed = results.filter((r) => !r.ok);
  console.log(`Chromium: ${results.length - failed.length} of ${results.length} conformance cases passed`);
  for (const f of failed) console.log(`  FAIL ${f.group} > ${f.name}: ${f.error}`);
  expect(results).toHaveLength(total);
  expect(failed).toEqual([]);
  await expect(page.locator('tr.pass')).toHaveCount(total);
  expect(errors).toEqual([]);
});
