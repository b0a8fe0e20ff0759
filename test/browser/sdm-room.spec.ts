// Two pages in one SDM room through a real relay (the dev server's /sdm-relay): one page's VM joins
// as the master, the other's as a slave held back until booted. The master boots the slave across
// the relay, sends it IRQs, and the slave answers: each page shows its connection (state, SDM id),
// its VM in the topology with its role, and the signals in its timeline.
import { expect, test } from '@playwright/test';
import { openScenario, watchErrors } from './workbench-helpers.ts';

test('two pages signal each other through the relay: SDM_BOOT and IRQs both ways', async ({ browser }) => {
  test.setTimeout(180_000);
  const room = `pw-${Date.now()}`;
  const [first, second] = await Promise.all([browser.newPage(), browser.newPage()]);
  const errors = [...watchErrors(first), ...watchErrors(second)];
  for (const page of [first, second]) await openScenario(page, 'token-ring');
  const join = async (page: typeof first, role: 'master' | 'slave') => {
    const form = page.getByRole('form', { name: 'Join an SDM room' });
    await form.getByLabel('room').fill(room);
    await form.getByLabel('token').fill('two-pages');
    await form.getByLabel('role').selectOption(role);
    await form.getByRole('button', { name: 'Join' }).click();
  };
  await join(first, 'master');
  const masterRow = first.getByRole('table', { name: 'Relay connections' }).locator('tbody tr');
  await expect(masterRow).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
  await expect(masterRow).toHaveAttribute('data-sdm', '0');
  await join(second, 'slave');
  const slaveRow = second.getByRole('table', { name: 'Relay connections' }).locator('tbody tr');
  await expect(slaveRow).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
  await expect(slaveRow).toHaveAttribute('data-sdm', '1');
  await expect(slaveRow).toContainText(`joined room ${room}`);

  // Booted from the other page, then IRQs and answers.
  const slave = second.getByRole('region', { name: 'SDM slave 1', exact: true });
  await expect(slave.locator('[data-booted]')).toHaveAttribute('data-booted', 'yes', { timeout: 60_000 });
  await expect(slave.locator('[data-booted]')).toContainText('[0x80100000, 0x0100]');
  await expect.poll(async () => Number(await slave.locator('[data-received]').getAttribute('data-received')), { timeout: 60_000 }).toBeGreaterThan(2);
  const master = first.getByRole('region', { name: 'SDM master', exact: true });
  await expect(master).toContainText('master (SDM id 0), 1 of 1 slaves');
  await expect.poll(async () => Number(await master.locator('[data-received]').getAttribute('data-received')), { timeout: 60_000 }).toBeGreaterThan(2);

  // Each page draws its VM with its role, and its signals in the timeline.
  await expect(first.locator('.topology [data-role="master"]')).toHaveCount(1);
  await expect(second.locator('.topology [data-role="slave"]')).toHaveCount(1);
  await expect(second.locator('.sequence g[data-kind="sdm-send"]').first()).toBeAttached({ timeout: 60_000 });
  await expect(first.locator('.sequence g[data-kind="sdm-send"]').first()).toBeAttached({ timeout: 60_000 });
  expect(errors).toEqual([]);
});
