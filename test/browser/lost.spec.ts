// Nothing lost (README "Guarantees") in Chromium: 16 VMs as Web Workers ring each other at random
// with random masks; the same run and checks as test/node/lost.test.ts.
import { expect, test } from '@playwright/test';
import { seedFor } from '../node/seed.ts';
import { openConformancePage, servedPath } from './conformance-page.ts';

const modulePath = servedPath(new URL('../node/lost-run.ts', import.meta.url));

test('16 VM workers in Chromium, random rings and masks: every (destination, vector) keeps the guarantee', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = await openConformancePage(page);
  const seed = seedFor('nothing lost (Chromium)');
  const { report, text } = await page.evaluate(async ({ modulePath, seed }) => {
    const { runLost, formatReport } = await import(/* @vite-ignore */ modulePath);
    const report = await runLost({ vms: 16, seconds: 1, vectors: 4, seed });
    return { report, text: formatReport(report) };
  }, { modulePath, seed });
  console.log(text);
  expect(report.violations).toEqual([]);
  expect(report.rings).toBeGreaterThan(0);
  expect(report.takes).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
