// Accessibility, audited: axe-core (through @axe-core/playwright) on every view of the app, in the
// light and the dark theme: the workbench on each scenario, the playground, a tour step, the
// conformance and benchmark pages. No serious or critical violation is allowed; the message lists
// each rule, its impact and the elements it found, so a failure says what to fix.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { forEachScenario, watchErrors } from './workbench-helpers.ts';

async function audit(page: Page, what: string): Promise<void> {
  // Animations settle first: a glowing hex cell or a dot in flight is not what a reader reads.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5).map((n) => `  ${n.target.join(' ')}: ${n.failureSummary?.split('\n')[1] ?? ''}`).join('\n')}${v.nodes.length > 5 ? `\n  ... ${v.nodes.length - 5} more` : ''}`);
  expect(report, `${what}: ${report.join('\n')}`).toEqual([]);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`every scenario of the workbench, ${colorScheme}`, async ({ page }) => {
    test.setTimeout(600_000);
    const errors = watchErrors(page);
    await page.emulateMedia({ colorScheme });
    await forEachScenario(page, async (id) => {
      await expect(page.locator('.figures .chart canvas').first()).toBeVisible({ timeout: 30_000 });
      await audit(page, `workbench, ${id}, ${colorScheme}`);
    });
    expect(errors).toEqual([]);
  });

  test(`the playground, a tour step and the other pages, ${colorScheme}`, async ({ page }) => {
    test.setTimeout(300_000);
    const errors = watchErrors(page);
    await page.emulateMedia({ colorScheme });
    await page.goto('/index.html');
    await expect(page.locator('main[data-status="running"]')).toBeVisible({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Playground' }).click();
    await expect(page.getByRole('region', { name: 'VM 1 program' }).locator('.cm-content')).toBeVisible({ timeout: 30_000 });
    await audit(page, `playground, ${colorScheme}`);

    await page.goto('/index.html?tour=masking');
    await expect(page.getByRole('dialog', { name: /^Question 11 of 17$/ })).toBeVisible({ timeout: 90_000 });
    await audit(page, `tour, ${colorScheme}`);

    await page.goto('/conformance.html');
    await expect(page.getByRole('button', { name: 'Run the suite' })).toBeVisible({ timeout: 60_000 });
    await audit(page, `conformance, ${colorScheme}`);
    await page.goto('/bench.html');
    await audit(page, `benchmark, ${colorScheme}`);
    expect(errors).toEqual([]);
  });
}
