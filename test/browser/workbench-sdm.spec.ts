// The SDM scenario in the workbench: a master VM boots three held-back slave VMs and exchanges
// SDM_IRQs with them; the panels show the roles and the boots, the topology the group, and the
// timeline draws each signal as an arrow between the master's and a slave's column, whose
// payload a click shows. No console or page errors.
import { expect, test } from '@playwright/test';
import { openScenario, watchErrors } from './workbench-helpers.ts';

test('SDM master/slaves: the slaves boot with their payloads, IRQ arrows carry payloads, a click shows one', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openScenario(page, 'sdm');
  await expect(page.getByRole('region', { name: 'About this scenario' })).toContainText('SDM_BOOT');

  const master = page.getByRole('region', { name: 'SDM master', exact: true });
  await expect(master).toContainText('master (SDM id 0), 3 of 4 slaves', { timeout: 30_000 });
  for (const id of [1, 2, 3]) {
    const slave = page.getByRole('region', { name: `SDM slave ${id}`, exact: true });
    // Booted by the master's SDM_BOOT, with the payload the master chose for it (load address, entry).
    await expect(slave.locator('[data-booted]')).toHaveAttribute('data-booted', 'yes', { timeout: 60_000 });
    await expect(slave.locator('[data-booted]')).toContainText(`[0x${(0x8000_0000 + id * 0x10_0000).toString(16)}, 0x0100]`);
    await expect(page.locator(`.topology [data-role="slave"]`).nth(id - 1)).toBeVisible();
  }
  await expect(page.locator('.topology [data-role="master"]')).toHaveCount(1);
  await expect(page.locator('.topology path.sdm-link')).toHaveCount(3);

  // The timeline has a column per SDM device, and IRQs as arrows between master and slaves,
  // labelled with their payload.
  for (const label of ['SDM master', 'SDM slave 1', 'SDM slave 2', 'SDM slave 3']) {
    await expect(page.locator('.sequence .lanes text', { hasText: label })).toHaveCount(1, { timeout: 30_000 });
  }
  const toSlave = page.locator('.sequence g[data-kind="sdm-send"][data-from="0"]').filter({ hasText: 'IRQ [0xc0de,' });
  await expect(toSlave.first()).toBeVisible({ timeout: 60_000 });
  const answer = page.locator('.sequence g[data-kind="sdm-send"][data-to="0"]').filter({ hasText: 'IRQ [' });
  await expect(answer.first()).toBeVisible({ timeout: 60_000 });
  // Hold the picture, then click an IRQ to the master: the detail shows its payload [sequence + 1, slave id].
  await page.getByRole('button', { name: 'Pause timeline' }).click();
  const arrow = answer.first();
  const from = Number(await arrow.getAttribute('data-from'));
  await arrow.locator('rect.hit').click();
  const detail = page.getByRole('status', { name: 'Selected event' });
  await expect(detail).toContainText(`SDM slave ${from} sends SDM master IRQ [`);
  await expect(detail).toContainText('"payload"');
  const payload = JSON.parse((await detail.locator('pre').textContent())!).payload as number[];
  expect(payload[1]).toBe(from);
  expect(payload[0]).toBeGreaterThan(1);
  expect(errors).toEqual([]);
});
