// The built site (npm run build's dist-web) served by a plain static server that sends no
// COOP/COEP headers, as GitHub Pages would, at the server's root and from a subfolder (a project
// page: /ivshmem-wasm/): coi-serviceworker makes the page cross-origin isolated (one reload), the
// VMs start signalling, and a playground program (a Blob URL module) runs; no request fails. The
// first screen loads neither the editor nor the figures' library: they come when they are shown.
// With service workers blocked, the page says clearly what to do instead of failing silently.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { expect, test, type Page, type Request } from '@playwright/test';
import { watchErrors } from './workbench-helpers.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
};
/** Where a project page lives on its host: the site is served there too. */
const SUBFOLDER = '/ivshmem-wasm';

let dir: string;
let server: Server;
let origin: string;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  dir = mkdtempSync(join(tmpdir(), 'ivshmem-site-'));
  execFileSync('npx', ['vite', 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit', timeout: 240_000 });
  server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === SUBFOLDER || path.startsWith(`${SUBFOLDER}/`)) path = path.slice(SUBFOLDER.length) || '/';
    path = normalize(path).replace(/^(\.\.[/\\])+/, '');
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

/** Every request that failed or was answered with an error status. */
function watchRequests(page: Page): { failed: string[]; urls: string[] } {
  const seen = { failed: [] as string[], urls: [] as string[] };
  // Which document of the page asked: coi-serviceworker's one reload aborts what the first document
  // was still loading (the larger the build, the more of it), which is not a failed request. The
  // reload's navigation request comes before those aborts, so a document is counted from it.
  let documents = 0;
  const askedBy = new WeakMap<Request, number>();
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) documents++;
    askedBy.set(request, documents);
    seen.urls.push(request.url());
  });
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText === 'net::ERR_ABORTED' && (askedBy.get(request) ?? documents) < documents) return;
    seen.failed.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on('response', (response) => { if (response.status() >= 400) seen.failed.push(`${response.url()}: ${response.status()}`); });
  return seen;
}

/** The files the build emitted for a source module and everything only it imports (vite's manifest). */
function chunkFiles(source: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, '.vite/manifest.json'), 'utf8')) as Record<string, { file: string; isDynamicEntry?: boolean }>;
  const entry = Object.entries(manifest).find(([key]) => key.endsWith(source));
  if (!entry) throw new Error(`${source} is not a chunk of its own in the build`);
  return [entry[1].file];
}

for (const base of ['', SUBFOLDER]) {
  test(`the built site runs from ${base || 'the root'} of a static server with no COOP/COEP headers, and no request fails`, async ({ page }) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    const requests = watchRequests(page);
    const response = await page.goto(`${origin}${base}/index.html`);
    expect(response?.headers()['cross-origin-embedder-policy']).toBeUndefined();
    // coi-serviceworker installs itself and reloads the page once, isolated.
    await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 60_000 }).toBe(true);
    const vm3 = page.getByRole('region', { name: 'VM 3', exact: true });
    await expect(vm3).toBeVisible({ timeout: 60_000 });
    await expect.poll(async () => Number((await vm3.locator('[data-delivered="0"]').textContent())!.replaceAll(',', '')), { timeout: 60_000 }).toBeGreaterThan(0);
    // Everything came from under the base: nothing was asked of the server's root.
    for (const url of requests.urls.filter((u) => u.startsWith(origin))) expect(new URL(url).pathname.startsWith(`${base}/`), url).toBe(true);
    // The first screen did not load the editor.
    const editor = chunkFiles('components/Playground.tsx');
    expect(requests.urls.filter((u) => editor.some((f) => u.endsWith(f)))).toEqual([]);

    // A program typed in the playground runs as a Blob URL module under the service worker's COEP.
    await page.getByRole('tab', { name: 'Playground' }).click();
    const program = page.getByRole('region', { name: 'VM 1 program' });
    await program.locator('.cm-content').click();
    expect(requests.urls.filter((u) => editor.some((f) => u.endsWith(f))).length).toBeGreaterThan(0);
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('export default async function main(vm: any) {\n  vm.log(`static ${vm.id}`);\n}\n');
    await program.getByRole('button', { name: /^(Run|Restart)$/ }).click();
    await expect(program.getByLabel('VM 1 console')).toContainText('static 1', { timeout: 60_000 });
    expect(requests.failed).toEqual([]);
    expect(errors).toEqual([]);
  });
}

test('without SharedArrayBuffer the page says what to do', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(`${origin}${SUBFOLDER}/index.html`);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('SharedArrayBuffer is not available here', { timeout: 60_000 });
  await expect(alert).toContainText('Cross-Origin-Embedder-Policy: require-corp');
  await context.close();
});
