// Runs the shared case list in this page, case by case, and shows pass or fail as it goes.
// Playwright reads window.conformance for the Chromium suite.
import * as ivshmem from '../../src/index.ts';
import { allGroups } from '../../test/cases/index.ts';
import type { CaseEnv } from '../../test/cases/case.ts';
import { programUrl } from './programs.ts';

export interface CaseResult {
  group: string;
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

const env: CaseEnv = {
  host: (options) => ivshmem.Host.create({ memory: '32M', ...options }),
  program: programUrl,
};

const report = document.querySelector<HTMLDivElement>('#report')!;
const summary = document.querySelector<HTMLSpanElement>('#summary')!;
const button = document.querySelector<HTMLButtonElement>('#run')!;

function row(table: HTMLTableSectionElement, name: string): HTMLTableRowElement {
  const tr = table.insertRow();
  tr.insertCell().textContent = '…';
  tr.insertCell().textContent = name;
  tr.insertCell();
  return tr;
}

async function runAll(): Promise<CaseResult[]> {
  button.disabled = true;
  report.replaceChildren();
  const results: CaseResult[] = [];
  for (const { group, cases } of allGroups) {
    const section = document.createElement('section');
    section.innerHTML = `<h2></h2><table><tbody></tbody></table>`;
    section.querySelector('h2')!.textContent = group;
    report.append(section);
    const body = section.querySelector('tbody')!;
    for (const c of cases) {
      const tr = row(body, c.name);
      const start = performance.now();
      let error: string | undefined;
      try {
        await c.run(env);
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
      const ms = performance.now() - start;
      results.push({ group, name: c.name, ok: !error, ms, error });
      tr.className = error ? 'fail' : 'pass';
      tr.cells[0].textContent = error ? 'FAIL' : 'pass';
      tr.cells[2].textContent = error ?? `${ms.toFixed(0)} ms`;
      summary.textContent = `${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length} failed`;
    }
  }
  button.disabled = false;
  return results;
}

declare global {
  interface Window {
    conformance: { run(): Promise<CaseResult[]>; total: number };
    ivshmem: typeof ivshmem & { programUrl: typeof programUrl };
  }
}

window.conformance = { run: runAll, total: allGroups.reduce((n, g) => n + g.cases.length, 0) };
window.ivshmem = { ...ivshmem, programUrl };
button.addEventListener('click', () => void runAll());
if (!crossOriginIsolated) {
  summary.textContent = 'This page is not cross-origin isolated: SharedArrayBuffer is unavailable (see the README).';
  button.disabled = true;
} else if (new URLSearchParams(location.search).has('autorun')) {
  void runAll();
}
