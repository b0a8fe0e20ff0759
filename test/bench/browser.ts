// `npm run bench:browser`: the same comparison as `npm run bench`, inside Chromium (the app's
// benchmark page, driven by Playwright): raw spinning, raw Atomics.wait/notify and postMessage
// between two Web Workers, beside two VM workers ringing each other's ivshmem-doorbell.
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../browser/chromium.ts';
import { printReport } from './bounce.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20_000);

const server = await createServer({ server: { port: 5198, strictPort: true }, logLevel: 'error' });
await server.listen();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto('http://localhost:5198/bench.html');
  await page.waitForFunction(() => !!window.bench);
  const rows = await page.evaluate(([runs, rounds]) => window.bench.run(runs, rounds), [RUNS, ROUNDS]);
  printReport(`Chromium ${browser.version()}: doorbell round trip between two workers, median of ${RUNS} runs x ${ROUNDS}`, rows);
} finally {
  await browser.close();
  await server.close();
}
