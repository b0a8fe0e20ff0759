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

// The trace viewer: times since the trace began that do not move, the whole history reachable,
// a clicked event that holds the list still, the trace's limits said plainly, zoom from the overview.
const timeline = (page: import('@playwright/test').Page) => page.getByRole('region', { name: 'Protocol timeline' });
const rowTimes = (page: import('@playwright/test').Page) => timeline(page).locator('g.ev text.time').allTextContents();

test('the timeline: times since the trace began, the handshake reachable, a click holds the list still', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await openScenario(page, 'token-ring');
  // Enough tokens have gone round that the handshake is far above the newest rows.
  await expect.poll(() => page.locator('.sequence g[data-kind="doorbell"]').count(), { timeout: 60_000 }).toBeGreaterThan(3);
  await timeline(page).getByRole('button', { name: 'Start of trace' }).click();
  // The first row is the first event of the trace: the server's version message to its first client, at 0.0 ms.
  const first = timeline(page).locator('g.ev').first();
  await expect(first).toHaveAttribute('data-kind', 'server');
  await expect(first).toContainText('version 0');
  await expect(first.locator('text.time')).toHaveText('0.0 ms');
  // Scrolling back held the list: the rows do not move while you read them.
  const before = await rowTimes(page);
  await expect.poll(() => page.locator('.topology circle.flight.doorbell').count(), { timeout: 30_000 }).toBeGreaterThan(0);
  expect(await rowTimes(page)).toEqual(before);
  // Live again and at the end: the labels are times since the start, not since the top row.
  await timeline(page).getByRole('button', { name: 'Newest' }).click();
  const newest = Number((await rowTimes(page)).at(-1)!.replace(' ms', ''));
  expect(newest).toBeGreaterThan(100);
  // A click on an event holds the list still too.
  await timeline(page).locator('g.ev[data-kind="doorbell"] rect.hit').last().click();
  await expect(timeline(page).getByRole('button', { name: 'Live', exact: true })).toBeVisible();
  const held = await rowTimes(page);
  await page.waitForFunction(() => (window as unknown as { workbench: { trace: { total: number } } }).workbench.trace.total > 0);
  const total = await page.evaluate(() => (window as unknown as { workbench: { trace: { total: number } } }).workbench.trace.total);
  await page.waitForFunction((t) => (window as unknown as { workbench: { trace: { total: number } } }).workbench.trace.total > t + 3, total);
  expect(await rowTimes(page)).toEqual(held);
  expect(errors).toEqual([]);
});

test('the timeline says what it forgot and what was lost, keeps as many events as asked, and zooms from its overview', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await openScenario(page, 'ping-pong');
  await timeline(page).getByLabel('events kept').selectOption('5000');
  const note = timeline(page).getByRole('note');
  await expect(note).toContainText(/The trace keeps its first 1,000 events and its last 5,000: [\d,]+ in between were forgotten to make room\./, { timeout: 90_000 });
  await expect(note).toContainText(/None was lost\.|were never recorded: a VM's trace ring filled before the page read it\./);
  // Still reachable after the forgetting: the handshake at the start.
  await timeline(page).getByRole('button', { name: 'Start of trace' }).click();
  await expect(timeline(page).locator('g.ev').first()).toContainText('version 0');
  // Zoom: drag across the middle of the overview; the list shows only that stretch.
  const overview = timeline(page).locator('svg.overview');
  const box = (await overview.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(timeline(page).getByRole('button', { name: 'Whole trace' })).toBeVisible();
  await expect(timeline(page).locator('.overview-axis')).toContainText(/zoomed: [\d.]+ ms to [\d.]+ ms/);
  const [from, to] = (await timeline(page).locator('.overview-axis').textContent())!.match(/zoomed: ([\d.]+) ms to ([\d.]+) ms/)!.slice(1).map(Number);
  for (const t of (await rowTimes(page)).map((x) => Number(x.replace(' ms', '')))) {
    expect(t).toBeGreaterThanOrEqual(Math.floor(from));
    expect(t).toBeLessThanOrEqual(Math.ceil(to));
  }
  expect(errors).toEqual([]);
});
