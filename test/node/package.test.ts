// The package as a Node user gets it: `npm pack` of a copy of this checkout without anything built
// (as a fresh clone: packing must build what it ships), a real `npm install` of the tarball into an
// empty folder, and the package used from there: the README's short example as written, a VM,
// pages bundled from it with Vite and with webpack and run in Chromium, the command line. The copy keeps the
// checkout's build/ and dist/ out of reach while other test files load them. It installs from the
// npm registry: minutes on a loaded machine, not seconds.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from '@playwright/test';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { codeBlocksAfter } from './readme-blocks.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
// What a clone does not have: installed, built or written by tests.
const notInAClone = new Set(['.git', 'node_modules', 'build', 'dist', 'dist-web', 'test-results', 'playwright-report']);

let scratch: string;
let app: string;
let packed: string[];

async function inApp(command: string, args: string[], timeout = 120_000) {
  return run(command, args, { cwd: app, encoding: 'utf8', timeout });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ivshmem-wasm-package-'));
  const clone = join(scratch, 'clone');
  await cp(root, clone, { recursive: true, filter: (source) => !notInAClone.has(source.slice(root.length).split('/')[0]) });
  // The build tools (asc, tsc) are the checkout's.
  await symlink(join(root, 'node_modules'), join(clone, 'node_modules'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: clone, encoding: 'utf8', timeout: 600_000 });
  // The JSON is the end of the output: before it, what the prepack script printed.
  const [pack] = JSON.parse(stdout.slice(stdout.search(/^\[$/m)));
  packed = pack.files.map((file: { path: string }) => file.path);
  app = join(scratch, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await inApp('npm', ['install', '--no-audit', '--no-fund', join(scratch, pack.filename)], 600_000);
}, 1_200_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('the tarball holds the built library, its types, the core, the VM worker and the licence; no tests, app or benchmarks', () => {
  expect(packed).toEqual(expect.arrayContaining([
    'dist/src/index.js', 'dist/src/index.d.ts', 'dist/build/ivshmem.wasm', 'dist/src/vm-worker.js', 'dist/src/vm-worker.node.js', 'bin/ivshmem-wasm.mjs', 'LICENSE', 'README.md',
  ]));
  expect(packed.filter((path) => /^(test|web|bench)\//.test(path))).toEqual([]);
});

test("installing it brings the library's dependencies only: none of the app's, tests' or benchmarks'", async () => {
  const installed: string[] = [];
  for (const name of await readdir(join(app, 'node_modules'))) {
    if (name.startsWith('@')) installed.push(...(await readdir(join(app, 'node_modules', name))).map((inner) => `${name}/${inner}`));
    else if (!name.startsWith('.')) installed.push(name);
  }
  expect(installed).toContain('ivshmem-wasm');
  for (const library of ['preact', '@preact/signals', 'codemirror', '@codemirror/view', 'uplot', 'sucrase', 'coi-serviceworker']) {
    expect(installed).not.toContain(library);
  }
  expect(installed.filter((name) => name in manifest.devDependencies)).toEqual([]);
});

test("the README's short example runs as written against the installed package", async () => {
  const example = codeBlocksAfter('## A short example', 2).join('\n');
  expect(example).toMatch(/^import \{ Host, driver \} from 'ivshmem-wasm';$/m);
  await writeFile(join(app, 'example.mjs'), `${example}
console.log(JSON.stringify({ vendor: plain.config.read(0x00, 2), shared: plain.bar(2).read(0, 4), delivered: a.interrupts.delivered(1), dump: client.output[0] }));
`);
  const { stdout } = await inApp('node', ['example.mjs']);
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
  expect(out).toMatchObject({ vendor: 0x1af4, shared: 0xcafe, delivered: 2 });
  expect(out.dump).toMatch(/^our_id = 2\n/);
}, 120_000);

test('a VM spawns from the installed package (plain JavaScript: no TypeScript loader, no bundler)', async () => {
  const program = new URL('../fixtures/double.mjs', import.meta.url).href;
  await writeFile(join(app, 'program.ts'), 'export default async (vm: unknown, arg: number): Promise<number> => arg * 2;\n');
  await writeFile(join(app, 'vm.mjs'), `
    import { Host } from 'ivshmem-wasm';
    const host = await Host.create({ memory: '16M' });
    host.addServer({ id: 'srv', size: '1M' });
    const dev = host.realize('ivshmem-doorbell,chardev=srv');
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: ${JSON.stringify(program)}, arg: 21 });
    const result = await vm.result;
    // A TypeScript guest program needs tsx, which the package does not bring: its run fails, saying so.
    const typed = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: new URL('./program.ts', import.meta.url).href, arg: 21 });
    const typescript = await typed.result.then(String, (error) => error.message);
    console.log(JSON.stringify({ vendor: dev.config.read(0, 2), result, log: vm.log, id: vm.id, typescript }));
    await host.shutdown();
  `);
  const { stdout } = await inApp('node', ['vm.mjs']);
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
    vendor: 0x1af4, result: 42, log: ['double from 1'], id: 1, typescript: expect.stringMatching(/Cannot find package 'tsx'/),
  });
}, 120_000);

// A page as an app would write it: it spawns a VM running a JavaScript program the page serves.
const PAGE_MAIN = `
  import { Host } from 'ivshmem-wasm';
  const out = document.getElementById('out');
  try {
    const host = await Host.create({ memory: '16M' });
    host.addServer({ id: 'srv', size: '1M' });
    const dev = host.realize('ivshmem-doorbell,chardev=srv');
    const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: new URL('./double.mjs', location.href).href, arg: 21 });
    out.textContent = JSON.stringify({ vendor: dev.config.read(0, 2), result: await vm.result, log: vm.log, id: vm.id });
    await host.shutdown();
  } catch (error) {
    out.textContent = 'error: ' + error.message;
  }
`;

/** A folder of the app for a page: its main.js, and the guest program in `programDir` (what the bundler copies as is). */
async function pageSources(name: string, programDir: string): Promise<string> {
  const page = join(app, name);
  await mkdir(join(page, programDir), { recursive: true });
  await cp(fileURLToPath(new URL('../fixtures/double.mjs', import.meta.url)), join(page, programDir, 'double.mjs'));
  await writeFile(join(page, 'main.js'), PAGE_MAIN);
  return page;
}

/**
 * Serves `served` with the two headers SharedArrayBuffer needs, opens it in a real Chromium and
 * checks what the page's VM did.
 */
async function pageRunsAVm(served: string): Promise<void> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((request, response) => {
    const path = join(served, new URL(request.url!, 'http://page').pathname.replace(/\/$/, '/index.html'));
    readFile(path).then((body) => {
      response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      response.end(body);
    }, () => response.writeHead(404).end());
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await tab.waitForFunction(() => document.getElementById('out')!.textContent !== 'running', null, { timeout: 60_000 });
    const text = (await tab.textContent('#out'))!;
    expect(text, 'the page ran without an error').not.toMatch(/^error/);
    expect(JSON.parse(text)).toEqual({ vendor: 0x1af4, result: 42, log: ['double from 1'], id: 1 });
  } finally {
    await browser.close();
    server.close();
  }
}

// The bundlers are the checkout's, run on the app's folder; the package is the installed tarball.
test('a page bundled from the installed package with Vite spawns a VM in Chromium', async () => {
  const page = await pageSources('vite-page', 'public');
  await writeFile(join(page, 'index.html'), '<!doctype html><title>app</title><pre id="out">running</pre><script type="module" src="./main.js"></script>\n');
  await run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: page, encoding: 'utf8', timeout: 120_000 });
  await pageRunsAVm(join(page, 'dist'));
}, 300_000);

test('a page bundled from the installed package with webpack 5 spawns a VM in Chromium', async () => {
  const page = await pageSources('webpack-page', 'dist');
  const webpack = createRequire(join(root, 'package.json'))('webpack') as typeof import('webpack');
  const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
    webpack({
      mode: 'production', context: page, entry: './main.js', target: 'web', performance: { hints: false },
      output: { path: join(page, 'dist'), publicPath: '/' },
    }, (error, result) => (error || !result ? reject(error) : resolve(result)));
  });
  expect(stats.toJson({ all: false, errors: true, warnings: true }), 'no error and no warning: nothing the package ships confuses webpack').toMatchObject({ errors: [], warnings: [] });
  await writeFile(join(page, 'dist', 'index.html'), '<!doctype html><title>app</title><pre id="out">running</pre><script src="/main.js"></script>\n');
  await pageRunsAVm(join(page, 'dist'));
}, 300_000);

test('npx ivshmem-wasm: --help lists the commands, --version says the version', async () => {
  const help = await inApp('npx', ['ivshmem-wasm', '--help']);
  expect(help.stdout).toMatch(/^\s+sdm-relay\s/m);
  expect((await inApp('npx', ['ivshmem-wasm', '--version'])).stdout.trim()).toBe(manifest.version);
  expect((await inApp('npx', ['ivshmem-wasm', 'sdm-relay', '--help'])).stdout).toMatch(/^usage: ivshmem-wasm sdm-relay /);
}, 120_000);
