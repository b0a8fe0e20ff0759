// The differential property (test/model/differential.ts) inside Chromium: the same random
// sequences against the library as the page loads it and against the model.
import { expect, test } from '@playwright/test';
import { seedFor } from '../node/seed.ts';
import { openConformancePage, servedPath } from './conformance-page.ts';

const modulePath = servedPath(new URL('../model/differential.ts', import.meta.url));

test('the project and the reference model agree on random sequences in Chromium', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = await openConformancePage(page);
  const seed = seedFor('differential (Chromium)');
  const result = await page.evaluate(async ({ modulePath, seed }) => {
    const { checkDifferential } = await import(/* @vite-ignore */ modulePath);
    return checkDifferential(window.ivshmem, { numRuns: 100, seed });
  }, { modulePath, seed });
  console.log(`differential (Chromium): ${result.runs} runs${result.ok ? ', all agree' : `\n${result.report}`}`);
  expect(result.report).toBe('');
  expect(result.ok).toBe(true);
  expect(errors).toEqual([]);
});
