// The built site (npm run build's dist-web) served by a plain static server that sends no
// COOP/COEP headers, as GitHub Pages would: coi-serviceworker makes the page cross-origin
// isolated (one reload), the VMs start signalling, and a playground program (a Blob URL module)
// runs. With service workers blocked, the page says clearly what to do instead of failing silently.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { watchErrors } from './workbench-helpers.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
};

let dir: string;
let server: Server;
let origin: string;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  dir = mkdtempSync(join(tmpdir(), 'ivshmem-site-'));
  execFileSync('npx', ['vite', 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit', timeout: 240_000 });
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(dir, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    // Deliberately no Cross-Origin-Opener-Policy / Cross-Origin-Embedder-Policy headers.
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the built site runs from a static server with no COOP/COEP headers', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  const response = await page.goto(`${origin}/index.html`);
  expect(response?.headers()['cross-origin-embedder-policy']).toBeUndefined();
  // coi-serviceworker installs itself and reloads the page once, isolated.
  await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 60_000 }).toBe(true);
  const vm3 = page.getByRole('region', { name: 'VM 3', exact: true });
  await expect(vm3).toBeVisible({ timeout: 60_000 });
  await expect.poll(async () => Number((await vm3.locator('[data-delivered="0"]').textContent())!.replaceAll(',', '')), { timeout: 60_000 }).toBeGreaterThan(0);

  // A program typed in the playground runs as a Blob URL module under the service worker's COEP.
  await page.getByRole('tab', { name: 'Playground' }).click();
  const program = page.getByRole('region', { name: 'VM 1 program' });
  await program.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('export default async function main(vm: any) {\n  vm.log(`static ${vm.id}`);\n}\n');
  await program.getByRole('button', { name: /^(Run|Restart)$/ }).click();
  await expect(program.getByLabel('VM 1 console')).toContainText('static 1', { timeout: 60_000 });
  expect(errors).toEqual([]);
});

test('without SharedArrayBuffer the page says what to do', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`${origin}/index.html`);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('SharedArrayBuffer is not available here', { timeout: 60_000 });
  await expect(alert).toContainText('Cross-Origin-Embedder-Policy: require-corp');
  await context.close();
});
