// The differential property (test/model/differential.ts) inside Chromium: the same random
// sequences against the library as the page loads it and against the model.
import { expect, test } from '@playwright/test';
import { fileURLToPath } from 'node:url';

const modulePath = `/@fs${fileURLToPath(new URL('../model/differential.ts', import.meta.url))}`;

test('the project and the reference model agree on random sequences in Chromium', async ({ page }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/conformance.html');
  await page.waitForFunction(() => 'ivshmem' in window);
  const seed = process.env.SEED !== undefined ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`differential (Chromium): seed ${seed} (rerun with SEED=${seed})`);
  const result = await page.evaluate(async ({ modulePath, seed }) => {
    const { checkDifferential } = await import(/* @vite-ignore */ modulePath);
    return checkDifferential(window.ivshmem, { numRuns: 100, seed });
  }, { modulePath, seed });
  console.log(`differential (Chromium): ${result.runs} runs${result.ok ? ', all agree' : `\n${result.report}`}`);
  expect(result.report).toBe('');
  expect(result.ok).toBe(true);
  expect(errors).toEqual([]);
});
