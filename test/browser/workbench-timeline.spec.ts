// The timeline and the topology draw what used to have no column: a ring's pushes and pops (they
// name no device; they go on the column of the VM whose thread made them) and a 2010 broadcast
// (one doorbell to destination 255: an arrow to every other VM, and in the topology a dot to each).
import { expect, test } from '@playwright/test';
import { openScenario, watchErrors } from './workbench-helpers.ts';

test('ring pushes and pops are marks on the VM that made them', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openScenario(page, 'ring-stream');
  for (const kind of ['ring-push', 'ring-pop']) {
    const mark = page.locator(`.sequence g[data-kind="${kind}"]`).first();
    await expect(mark).toBeVisible({ timeout: 60_000 });
    // On a VM's column (vm:<its ID>), labelled with how much moved.
    await expect(mark).toHaveAttribute('data-at', /^vm:\d+$/);
    await expect(mark).toContainText(`${kind} +`);
  }
  expect(errors).toEqual([]);
});

test('a 2010 broadcast fans out: one arrow to every other VM in the chart, a dot to each in the topology', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openScenario(page, 'broadcast-storm');
  const broadcast = page.locator('.sequence g[data-kind="doorbell"][data-to="all"]').first();
  await expect(broadcast).toBeVisible({ timeout: 60_000 });
  // Four VMs: each broadcast reaches the three others.
  await expect(broadcast.locator('line')).toHaveCount(3);
  await page.getByRole('button', { name: 'Pause timeline' }).click();
  await page.locator('.sequence g[data-kind="doorbell"][data-to="all"]').first().locator('rect.hit').click();
  await expect(page.getByRole('status', { name: 'Selected event' })).toContainText(/VM \d+ broadcasts \d+ to VM \d+, VM \d+, VM \d+/);
  // In the topology, dots in flight to three different VMs at once (a broadcast every second or so).
  await expect.poll(() => page.locator('.topology circle.flight.doorbell').evaluateAll((dots) => new Set(dots.map((d) => d.getAttribute('data-to'))).size), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(3);
  expect(errors).toEqual([]);
});
