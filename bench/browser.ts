// `npm run bench:browser [-- --quick] [-- --only=roundtrip,...] [-- --busy=0,1] [-- --sizes=2,8]`: the figures inside Chromium (the
// app's benchmark page, driven by Playwright), each reported as in Node: Markdown tables and
// bench/results/chromium-<figure>.json. Native references run here in Node, called from the page
// between its own samples, so they stay interleaved with the rest.
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../test/browser/chromium.ts';
import { countsFlag, listFlag, quickFlag, Report } from './lib/report.ts';
import type { Table } from './lib/stats.ts';
import { buildNative, nativeRoundTrip, type NativeMode } from './native/native.ts';
import { workbenchFramesFigure } from './figures/workbench-frames.ts';
import { rendererPids, threadControl } from './native/threads.ts';

const quick = quickFlag();
const only = listFlag('only');
const busy = countsFlag('busy');
const sizes = countsFlag('sizes');
const port = Number(process.env.BENCH_PORT ?? process.env.PW_PORT ?? 5198);
const TITLES: Record<string, string> = {
  roundtrip: 'Doorbell round trip between two workers (Chromium)',
  fanout: 'Doorbell rate and broadcast (Chromium)',
  core: 'The core: register access, doorbell, trace, size, spawn (Chromium)',
  framerelay: 'Frame relay at 1080p (Chromium)',
  driver: "The driver's path: register accesses and doorbell round trips through the public API (Chromium)",
};

const server = await createServer({ server: { port, strictPort: true }, logLevel: 'error' });
await server.listen();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  const absent = await buildNative();
  if (absent) await page.addInitScript((reason) => { window.benchNativeAbsent = reason; }, absent);
  else await page.exposeFunction('benchNative', (mode: NativeMode, rounds: number) => nativeRoundTrip(mode, rounds));
  // The renderer's threads, so that the round-trip figure can pin its pairs' workers to cores.
  // Chromium is a child of this process (Playwright spawns it), its renderers further down; a
  // worker's thread is named "DedicatedWorker thread", cut to 15 characters.
  const threads = threadControl(() => rendererPids(process.pid), /^DedicatedWorker/);
  if (threads) {
    await page.exposeFunction('benchCpus', threads.cpus);
    await page.exposeFunction('benchThreadTimes', threads.times);
    await page.exposeFunction('benchPin', threads.pin);
  }
  await page.goto(`http://localhost:${port}/bench.html`);
  await page.waitForFunction(() => !!window.bench);
  const names = await page.evaluate(() => window.bench.figures);
  for (const name of names.filter((n) => !only || only.includes(n))) {
    const report = new Report(`chromium-${name}`, TITLES[name] ?? name, { quick, runtime: { chromium: browser.version() } });
    const tables: Table[] = await page.evaluate(([n, options]) => window.bench.run(n, options), [name, { quick, busy, sizes }] as const);
    for (const table of tables) report.add(table);
    await report.write();
  }
  // The workbench page itself (not the benchmark page): its frame times under a doorbell storm.
  if (!only || only.includes('workbench')) {
    const report = new Report('chromium-workbench', 'Workbench frame time under a doorbell storm (Chromium)', { quick, runtime: { chromium: browser.version() } });
    for (const table of await workbenchFramesFigure(page, `http://localhost:${port}`, quick)) report.add(table);
    await report.write();
  }
} finally {
  await browser.close();
  await server.close();
}
