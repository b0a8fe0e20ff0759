// The scenarios menu, and the chosen one's explanation beside the running thing.
import type { Scenario } from '../scenarios/scenario.ts';
import { SCENARIOS } from '../scenarios/index.ts';

export function ScenarioPicker({ current, onPick }: { current: Scenario; onPick: (s: Scenario) => void }) {
  return (
    <section class="scenario" aria-label="About this scenario">
      <label>Scenario{' '}
        <select value={current.id} onChange={(e) => onPick(SCENARIOS.find((s) => s.id === e.currentTarget.value)!)}>
          {SCENARIOS.map((s) => <option key={s.id} value={s.id}>{s.title}</option>)}
        </select>
      </label>
      <div class="explanation">
        <p>{current.explanation[0]}</p>
        {current.explanation.length > 1 ? (
          <details>
            <summary>More about this scenario</summary>
            {current.explanation.slice(1).map((p, i) => <p key={i}>{p}</p>)}
          </details>
        ) : null}
      </div>
    </section>
  );
}
