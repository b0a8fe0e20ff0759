// The first screen shows the protocol: on a laptop (1440x900) the topology, the live timeline and
// the scenario's key figure are in view without scrolling, for every scenario, and the controls
// that change the key figure sit beside it. On a phone (390x844) the topology fits the width (no VM
// cut off) and the timeline is a list of events, each row saying what happened.
import { expect, test } from '@playwright/test';
import { forEachScenario, runs, watchErrors } from './workbench-helpers.ts';

test('laptop: topology, timeline and key figure on the first screen, for every scenario', async ({ page }) => {
  test.setTimeout(480_000);
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await forEachScenario(page, async (id) => {
    expect(await page.evaluate(() => scrollY)).toBe(0);
    await expect(page.locator('.topology svg'), id).toBeInViewport({ ratio: 1 });
    await expect(page.locator('.sequence .seq-scroll'), id).toBeInViewport({ ratio: 1 });
    await expect.poll(() => page.locator('.sequence .ev').count(), { timeout: 60_000, message: id }).toBeGreaterThan(0);
    const key = page.locator('.key-figure');
    if (await key.count()) await expect(key, id).toBeInViewport({ ratio: 0.5 });
  });
  const picker = page.getByRole('combobox', { name: 'Scenario' });
  // ping-pong: each VM's wait mode sits beside the histogram it changes.
  await picker.selectOption('ping-pong');
  await runs(page, 'ping-pong', 90_000);
  const key = page.getByRole('region', { name: 'Round-trip latency and how each VM waits' });
  await expect(key.locator('[data-chart="latency"] canvas')).toBeInViewport({ timeout: 30_000 });
  await expect(key.getByRole('combobox', { name: /wait mode$/ })).toHaveCount(2);
  await expect(key.getByRole('combobox', { name: /wait mode$/ }).first()).toBeInViewport();
  expect(errors).toEqual([]);
});

test('phone: the topology fits the screen, and the timeline is a list of events', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/index.html');
  await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.topology [data-vm="3"]')).toBeVisible({ timeout: 60_000 });
  const width = await page.evaluate(() => document.documentElement.clientWidth);
  const svg = (await page.locator('.topology svg').boundingBox())!;
  expect(svg.x).toBeGreaterThanOrEqual(0);
  expect(svg.x + svg.width).toBeLessThanOrEqual(width);
  // Every VM box is inside the picture, and drawn big enough to read (the picture is not shrunk
  // to a third: its boxes are at least 90 px wide on screen).
  for (const vm of await page.locator('.topology g.vm > rect').all()) {
    const box = (await vm.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(svg.x);
    expect(box.x + box.width).toBeLessThanOrEqual(svg.x + svg.width + 0.5);
    expect(box.width).toBeGreaterThanOrEqual(90);
  }
  // The timeline: one line per event, its time and what happened, no columns to squeeze.
  const row = page.locator('.sequence .event-list li').last();
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText(/^\s*[\d.]+ ms\s+\S.+/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(errors).toEqual([]);
});
