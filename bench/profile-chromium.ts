// `npx tsx bench/profile-chromium.ts [figure]`: where the time goes in Chromium. The benchmark page
// runs a figure (quick; default roundtrip) under a Chromium trace with V8's sampling profiler on,
// in every thread (page and workers); prints the functions with the most self time, idle left out.
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../test/browser/chromium.ts';

const port = Number(process.env.BENCH_PORT ?? process.env.PW_PORT ?? 5198);
const figure = process.argv[2] ?? 'roundtrip';
const server = await createServer({ server: { port, strictPort: true }, logLevel: 'error' });
await server.listen();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`http://localhost:${port}/bench.html`);
  await page.waitForFunction(() => !!window.bench);
  await browser.startTracing(page, { categories: ['disabled-by-default-v8.cpu_profiler', 'v8', 'devtools.timeline'] });
  await page.evaluate((name) => window.bench.run(name, { quick: true }), figure);
  const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: any[] };
  const self = new Map<string, number>();
  const nodes = new Map<string, any>();
  for (const e of trace.traceEvents) {
    if (e.name !== 'ProfileChunk') continue;
    const profile = e.args?.data?.cpuProfile;
    const key = `${e.pid}:${e.id}`;
    for (const n of profile?.nodes ?? []) nodes.set(`${key}:${n.id}`, n);
    const deltas: number[] = e.args?.data?.timeDeltas ?? [];
    (profile?.samples ?? []).forEach((id: number, i: number) => {
      const n = nodes.get(`${key}:${id}`);
      const name = n ? `${n.callFrame.functionName || '(anonymous)'} ${String(n.callFrame.url).split('/').pop()}` : '?';
      self.set(name, (self.get(name) ?? 0) + (deltas[i] ?? 0));
    });
  }
  self.delete('(idle) undefined');
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`);
} finally {
  await browser.close();
  await server.close();
}
