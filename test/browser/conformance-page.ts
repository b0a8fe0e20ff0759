// Specs that run test code inside Chromium do it on the conformance page, which exposes the
// library as `window.ivshmem`; Vite serves any test module to it under /@fs.
import type { Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';

/** Opens the conformance page and returns the list its page errors collect into. */
export async function openConformancePage(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/conformance.html');
  await page.waitForFunction(() => 'ivshmem' in window);
  return errors;
}

/** The path under which the page can `import()` the module at `url` (a file URL). */
export function servedPath(url: URL): string {
  return `/@fs${fileURLToPath(url)}`;
}
