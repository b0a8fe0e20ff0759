// The scenario's key figure, on the first screen beside the topology and the timeline, with the
// controls that change it next to it: the frame relay's canvas, the round-trip histogram with each
// VM's wait mode, a ring's decoded indices. (Ciechanowski's explainers put the control right
// beside the thing it changes; the ping-pong's histogram used to be 1,200 px below its selectors.)
import { lazy, Suspense } from 'preact/compat';
import type { Workbench } from '../app/workbench.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { DecodedView } from './HexView.tsx';
import { MODES } from '../guest/control.ts';
import { Columns } from '../app/columns.ts';

/** uPlot comes with the figures, when first shown. */
export const Figures = lazy(() => import('./Figures.tsx').then((m) => ({ default: m.Figures })));

function WaitModes({ wb }: { wb: Workbench }) {
  wb.frame.value;
  const columns = new Columns(wb);
  return (
    <div class="wait-modes">
      {wb.vms.value.map((entry) => {
        const name = columns.label(columns.keyOf(entry));
        return (
          <label key={entry.vm.key}>{name} waits{' '}
            <select aria-label={`${name} wait mode`} value={entry.mode} onChange={(e) => { entry.mode = Number(e.currentTarget.value); }}>
              {MODES.map((m, i) => <option key={i} value={i}>{m || "as its program says"}</option>)}
            </select>
          </label>
        );
      })}
    </div>
  );
}

export function KeyFigure({ wb, scenario }: { wb: Workbench; scenario: Scenario }) {
  const figure = scenario.figure ?? (scenario.view ? 'view' : undefined);
  const View = scenario.view;
  if (figure === 'view' && View) return <div class="key-figure"><View wb={wb} /></div>;
  if (figure === 'latency') {
    return (
      <section class="key-figure" aria-label="Round-trip latency and how each VM waits">
        <WaitModes wb={wb} />
        <Suspense fallback={null}><Figures wb={wb} only="latency" /></Suspense>
      </section>
    );
  }
  if (figure === 'decoded') return <section class="key-figure" aria-label="What the scenario keeps in the shared memory"><DecodedView wb={wb} scenario={scenario} /></section>;
  return null;
}
