// The benchmark page: the figures of `npm run bench:browser`, measured in the visitor's browser.
import { markdown } from '../../bench/lib/markdown.ts';
import type { Table } from '../../bench/lib/stats.ts';
import { FIGURES, type FigureOptions } from './bench.ts';

declare global {
  interface Window {
    bench: {
      figures: string[];
      run(name: string, options: FigureOptions): Promise<Table[]>;
    };
  }
}

const output = document.querySelector<HTMLElement>('#output')!;
const button = document.querySelector<HTMLButtonElement>('#run')!;
const status = document.querySelector<HTMLElement>('#status')!;

async function run(name: string, options: FigureOptions): Promise<Table[]> {
  const figure = FIGURES[name];
  if (!figure) throw new Error(`no figure called ${name} (there are: ${Object.keys(FIGURES).join(', ')})`);
  return figure(options, (text) => { status.textContent = text; });
}

window.bench = { figures: Object.keys(FIGURES), run };

button.addEventListener('click', async () => {
  button.disabled = true;
  output.textContent = '';
  try {
    for (const name of Object.keys(FIGURES)) {
      for (const table of await run(name, { quick: true })) output.textContent += `${markdown(table)}\n\n`;
    }
    status.textContent = 'done';
  } catch (error) {
    status.textContent = `failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    button.disabled = false;
  }
});
