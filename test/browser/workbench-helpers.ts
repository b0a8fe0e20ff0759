// Shared by the workbench's specs: the page's console errors and uncaught errors, collected.
import { expect, type Page } from '@playwright/test';

export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`console: ${message.text()}`); });
  return errors;
}

/**
 * Waits until scenario `id` runs: the page says which scenario its status is for, so the previous
 * scenario's "running" does not count.
 */
export async function runs(page: Page, id: string, timeout = 60_000): Promise<void> {
  await expect(page.locator(`main[data-status="running"][data-scenario="${id}"]`)).toBeVisible({ timeout });
}

/** Opens the workbench on a scenario from the menu and waits until it runs. */
export async function openScenario(page: Page, id: string): Promise<void> {
  await page.goto('/index.html');
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption(id);
  await runs(page, id);
}

/** Opens the workbench and picks each scenario of its menu in turn, once it runs calling `visit`. */
export async function forEachScenario(page: Page, visit: (id: string) => Promise<void>): Promise<void> {
  await page.goto('/index.html');
  const picker = page.getByRole('combobox', { name: 'Scenario' });
  await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 60_000 });
  const ids = await picker.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
  for (const id of ids) {
    await picker.selectOption(id);
    await runs(page, id, 90_000);
    await visit(id);
  }
}
