// The benchmark page: the figures of `npm run bench:browser`, measured in the visitor's browser.
import { runBench, type BenchRow } from './bench.ts';

declare global {
  interface Window {
    bench: { run(runs: number, rounds: number): Promise<BenchRow[]> };
  }
}

const table = document.querySelector<HTMLTableSectionElement>('#rows')!;
const button = document.querySelector<HTMLButtonElement>('#run')!;

async function run(runs: number, rounds: number): Promise<BenchRow[]> {
  button.disabled = true;
  table.replaceChildren();
  try {
    return await runBench(runs, rounds, ([label, median, samples]) => {
      const tr = table.insertRow();
      tr.insertCell().textContent = label;
      tr.insertCell().textContent = `${median.toFixed(2)} us`;
      tr.insertCell().textContent = samples.map((s) => s.toFixed(2)).join(', ');
    });
  } finally {
    button.disabled = false;
  }
}

window.bench = { run };
button.addEventListener('click', () => void run(5, 20_000));
