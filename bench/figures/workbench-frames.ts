// The workbench's frame times while a doorbell storm runs, beside the same page with its VMs
// paused (idle), in one run: rounds alternate idle and storm windows, so both see the same machine
// load. The storm is the ping-pong scenario at full speed ("hold each interrupt" 0); its rate is
// measured from the VMs' delivered counters as the page shows them (one interrupt per doorbell).
// A frame time is the interval between two animation frames: what the page's work per frame
// (draining the trace, the timeline, the topology, the panels) adds shows up there as jank.
// Driven by bench/browser.ts through Playwright on the app's own page (index.html).
import type { Page } from '@playwright/test';
import { summarize, type Table } from '../lib/stats.ts';

const WINDOW_MS = 2000;
const SETTLE_MS = 500;

async function running(page: Page): Promise<void> {
  await page.locator('main[data-status="running"]').waitFor({ timeout: 60_000 });
}

/**
 * The intervals between animation frames over `ms`, measured in the page. Passed as text: tsx
 * would wrap a named function in a helper the page does not have.
 */
function frameTimes(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(`new Promise((resolve) => {
    const times = [];
    let last = -1;
    const end = performance.now() + ${ms};
    const frame = (now) => {
      if (last >= 0) times.push(now - last);
      last = now;
      if (now < end) requestAnimationFrame(frame);
      else resolve(times);
    };
    requestAnimationFrame(frame);
  })`);
}

/** Interrupts delivered to every VM so far, as the panels show them. */
async function delivered(page: Page): Promise<number> {
  const counts = await page.locator('.vm-panel [data-delivered="0"]').allTextContents();
  return counts.reduce((sum, text) => sum + Number(text.replaceAll(',', '')), 0);
}

export async function workbenchFramesFigure(page: Page, origin: string, quick: boolean, progress: (text: string) => void = () => {}): Promise<Table[]> {
  await page.goto(`${origin}/index.html`);
  await running(page);
  await page.getByRole('combobox', { name: 'Scenario' }).selectOption('ping-pong');
  await running(page);
  await page.getByLabel('hold each interrupt').selectOption('0');
  await running(page);
  const idle: number[] = [];
  const storm: number[] = [];
  const rates: number[] = [];
  const rounds = quick ? 2 : 6;
  for (let round = 0; round < rounds; round++) {
    progress(`workbench frames: round ${round + 1} of ${rounds}`);
    await page.getByRole('button', { name: 'Pause all' }).click();
    await page.waitForTimeout(SETTLE_MS);
    idle.push(...await frameTimes(page, WINDOW_MS));
    await page.getByRole('button', { name: 'Resume all' }).click();
    await page.waitForTimeout(SETTLE_MS);
    const before = await delivered(page);
    const started = Date.now();
    storm.push(...await frameTimes(page, WINDOW_MS));
    rates.push(((await delivered(page)) - before) * 1000 / (Date.now() - started) / 1000);
  }
  const rate = summarize(rates).median;
  return [
    {
      title: 'Workbench frame time: idle vs a doorbell storm (Chromium)',
      unit: 'ms',
      method: `intervals between animation frames of the workbench page (index.html), ${rounds} rounds of ${WINDOW_MS / 1000} s idle (VMs paused) then ${WINDOW_MS / 1000} s of the ping-pong scenario at full speed; median and p99 over all frames`,
      rows: [
        { label: 'idle page (VMs paused)', samples: idle },
        { label: `doorbell storm (ping-pong, ${rate.toFixed(1)}k doorbells/s)`, samples: storm, compare: [{ to: 'idle page (VMs paused)' }],
          note: rate < 10 ? 'the storm stayed below 10k doorbells/s on this machine' : undefined },
      ],
    },
    {
      title: 'Doorbell rate during the storm windows',
      unit: 'k/s',
      method: 'interrupts delivered to both VMs per second (one per doorbell), from the panels\' counters, per storm window',
      rows: [{ label: 'ping-pong at full speed, in the workbench page', samples: rates }],
    },
  ];
}
