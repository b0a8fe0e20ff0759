// The figures, drawn by uPlot: interrupts delivered per second to each VM (sampled from the
// delivered counters in shared memory every 250 ms), and the round-trip latency histogram the
// programs record (vm.roundTrip). Every series has exactly one value per x, null where a VM did
// not exist yet, so lines stay aligned when VMs come and go; the legend names the series and
// shows no live cursor values (an idle cursor made it show "--").
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Workbench } from '../app/workbench.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import { HISTOGRAM_AT, HISTOGRAM_BUCKETS } from '../guest/control.ts';
import { sdmLabel } from '../app/columns.ts';

const SAMPLE_MS = 250;
const HISTORY = 120;

function colour(i: number): string {
  return `hsl(${(i * 67 + 210) % 360} 70% 50%)`;
}

interface RateState {
  times: number[];
  series: Map<VmEntry, (number | null)[]>;
  last: Map<VmEntry, number>;
  plot?: uPlot;
  keys: string;
}

/**
 * Axis colours from the page's theme (light or dark, web/style.css): a canvas does not follow CSS,
 * and uPlot's default ink is black, unreadable on the dark background.
 */
function themedAxis(): uPlot.Axis {
  const style = getComputedStyle(document.documentElement);
  const ink = style.getPropertyValue('--fg').trim() || '#000';
  const line = style.getPropertyValue('--line').trim() || '#ddd';
  return { stroke: ink, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
}

/** `only`: one of the two (a scenario's key figure), else both. */
export function Figures({ wb, only }: { wb: Workbench; only?: 'rates' | 'latency' }) {
  const rates = useRef<HTMLDivElement>(null);
  const histogram = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const state: RateState = { times: [], series: new Map(), last: new Map(), keys: '' };
    let hist: uPlot | undefined;
    const width = () => Math.max(260, Math.min(620, ((rates.current ?? histogram.current)?.parentElement?.clientWidth ?? 640) - 20));
    let host = wb.host;
    const sample = () => {
      if (wb.host !== host) {
        // A new scenario: start the figures over.
        host = wb.host;
        state.times = [];
        state.series.clear();
        state.last.clear();
      }
      const vms = wb.vms.value.filter((e) => !e.ended.value);
      const t = state.times.length ? state.times[state.times.length - 1] + SAMPLE_MS / 1000 : 0;
      state.times.push(t);
      for (const [entry, values] of state.series) if (!vms.includes(entry)) { values.push(null); }
      vms.forEach((entry) => {
        const now = entry.vm.counters.delivered.reduce((a, b) => a + b, 0);
        const before = state.last.get(entry);
        state.last.set(entry, now);
        let values = state.series.get(entry);
        if (!values) {
          values = new Array(state.times.length - 1).fill(null);
          state.series.set(entry, values);
        }
        values.push(before === undefined ? null : ((now - before) * 1000) / SAMPLE_MS);
      });
      if (state.times.length > HISTORY) {
        state.times.shift();
        for (const values of state.series.values()) values.shift();
      }
      // Series of VMs gone for a whole window are dropped.
      for (const [entry, values] of state.series) {
        if (!vms.includes(entry) && values.every((v) => v === null)) {
          state.series.delete(entry);
          state.last.delete(entry);
        }
      }
      const entries = [...state.series.keys()];
      const keys = entries.map((e) => e.vm.key).join(',');
      const data = [state.times, ...entries.map((e) => state.series.get(e)!)] as uPlot.AlignedData;
      if (!rates.current) {
        // only the histogram is shown
      } else if (keys !== state.keys || !state.plot) {
        state.plot?.destroy();
        state.keys = keys;
        state.plot = new uPlot({
          width: width(), height: 200, title: 'interrupts delivered per second',
          legend: { live: false },
          scales: { x: { time: false } },
          axes: [{ ...themedAxis(), label: 'seconds' }, { ...themedAxis(), size: 60 }],
          series: [{ label: 's' }, ...entries.map((e, i) => ({ label: e.model === 'virtio-sdm' ? sdmLabel(e.vm.device.sdm!.id) : `VM ${e.id}`, stroke: colour(i), width: 2, spanGaps: false }))],
        }, data, rates.current!);
      } else {
        state.plot.setData(data);
      }
      const counts = new Array(HISTOGRAM_BUCKETS).fill(0);
      for (const e of wb.vms.value) for (let b = 0; b < HISTOGRAM_BUCKETS; b++) counts[b] += Atomics.load(e.control.words, HISTOGRAM_AT + b);
      const buckets = counts.map((_, b) => b);
      if (!histogram.current) {
        // only the rates are shown
      } else if (!hist) {
        hist = new uPlot({
          width: width(), height: 200, title: 'round-trip latency (trips per bucket)',
          legend: { live: false },
          scales: { x: { time: false, range: [-0.5, HISTOGRAM_BUCKETS - 0.5] } },
          axes: [
            { ...themedAxis(), label: 'microseconds', values: (_u, splits) => splits.map((b) => (Number.isInteger(b) ? `${2 ** b}` : '')) },
            { ...themedAxis(), size: 60 },
          ],
          series: [{ label: 'us' }, { label: 'round trips', fill: 'rgba(31,111,235,0.5)', stroke: 'rgb(31,111,235)', paths: uPlot.paths.bars!({ size: [0.8, 40] }), points: { show: false } }],
        }, [buckets, counts], histogram.current!);
      } else {
        hist.setData([buckets, counts]);
      }
    };
    const timer = setInterval(sample, SAMPLE_MS);
    return () => {
      clearInterval(timer);
      state.plot?.destroy();
      hist?.destroy();
    };
  }, []);
  return (
    <section class="figures" aria-label={only ? `Figure: ${only === 'latency' ? 'round-trip latency' : 'interrupts per second'}` : 'Figures'}>
      {only ? null : <h2>Figures</h2>}
      <div class="figure-row">
        {only === 'latency' ? null : <div ref={rates} class="chart" data-chart="rates" />}
        {only === 'rates' ? null : <div ref={histogram} class="chart" data-chart="latency" />}
      </div>
    </section>
  );
}
