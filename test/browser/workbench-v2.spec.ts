// The ivshmem-v2 scenario ("Jailhouse cells") driven as a person would: two cells walk the state
// table to RUN, the hex view draws the state table and each cell's output section, frames flow
// through the output sections, "Copy as QEMU command line" says what to run (the RFC's server and
// device), a cell reset from its panel takes both back through the handshake, a killed cell leaves
// the other waiting in RESET. No console or page errors.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { openScenario, watchErrors } from './workbench-helpers.ts';

const panel = (page: Page, id: number) => page.getByRole('region', { name: `VM ${id}`, exact: true });
/** A field of the hex view's decoded pane: the <dd> after the <dt> that names it. */
const field = (pane: Locator, title: string, name: string) =>
  pane.locator('div', { has: pane.page().locator('h3', { hasText: title }) }).locator(`dt:text-is("${name}") + dd`);

test('Jailhouse cells: the state table walks to RUN, the sections are drawn, frames flow, a reset or a kill is followed', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await openScenario(page, 'jailhouse-cells');
  const hex = page.getByRole('region', { name: 'Shared memory (BAR2)' });
  const decoded = hex.getByLabel('Decoded');
  const state = (cell: number) => field(decoded, 'state table', `cell ${cell}`);
  for (const cell of [0, 1]) await expect(state(cell)).toHaveText('3 RUN', { timeout: 90_000 });

  // The sections, drawn: a legend, and every byte tagged with its section.
  const sections = hex.getByRole('list', { name: 'Sections' });
  await expect(sections).toContainText('state table (read-only)');
  await expect(sections).toContainText('R/W section');
  await expect(hex.locator('td[data-offset="0"]')).toHaveAttribute('data-section', 'state table (read-only)');
  await sections.getByRole('button', { name: 'output section of cell 1' }).click();
  await expect(hex.locator(`td[data-offset="${0xc000}"]`)).toHaveAttribute('data-section', 'output section of cell 1');
  await expect(hex.locator(`td[data-offset="${0xc000 - 1}"]`)).toHaveCount(0);
  // Frames written into each cell's own output section and counted by the other.
  await expect.poll(async () => Number(await field(decoded, 'cell 1\'s output section', 'frames received').textContent()), { timeout: 60_000 }).toBeGreaterThan(0);

  await page.getByRole('button', { name: 'Copy as QEMU command line' }).click();
  const lines = page.getByLabel('QEMU command lines');
  await expect(lines).toContainText('ivshmem2-server -F -v -S /tmp/ivshmem2_socket -M ivshmem2 -l 64K -o 16K -n 2 -V 2 -P 0x0001');
  await expect(lines).toContainText('-chardev socket,path=/tmp/ivshmem2_socket,id=srv2');
  await expect(lines).toContainText('-device ivshmem,chardev=srv2');
  await expect(lines).not.toContainText('ivshmem-server -F');
  await expect(page.getByRole('region', { name: 'ivshmem2-server log' })).toContainText('INIT: your ID 1');

  // Reset cell 0: its State goes to 0, cell 1 follows it back to RESET, then both walk up again.
  // (each cell holds a step for the page's pace, 250 ms, so a look every 50 ms sees cell 1 in RESET)
  await panel(page, 0).getByRole('button', { name: 'Reset' }).click();
  await expect.poll(() => state(1).textContent(), { timeout: 60_000, intervals: [50] }).toBe('0 RESET');
  for (const cell of [0, 1]) await expect(state(cell)).toHaveText('3 RUN', { timeout: 90_000 });

  // Kill cell 1: the server clears its entry and tells cell 0 (PEER_GONE: its own vector 0), which
  // sees RESET in the table and goes back to RESET, to wait there for a new peer.
  await panel(page, 1).getByRole('button', { name: 'Kill' }).click();
  await expect(page.getByRole('region', { name: 'ivshmem2-server log' })).toContainText('peer 1 is gone', { timeout: 30_000 });
  await expect(state(1)).toHaveText('0 RESET', { timeout: 30_000 });
  await expect(state(0)).toHaveText('0 RESET', { timeout: 60_000 });
  await expect(panel(page, 0)).toContainText('cell 0: RESET (cell 1 in RESET)');
  expect(errors).toEqual([]);
});
