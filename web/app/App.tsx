// The workbench page: the scenario and its explanation, the picture, each VM, the timeline, the
// figures, the shared memory and the server's log; the playground in a second tab. The page reads
// everything from shared memory once per animation frame (Workbench.tick).
import { useEffect, useRef, useState } from 'preact/hooks';
import { Workbench } from './workbench.ts';
import { DEFAULT_SETUP } from './workbench.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { Topology } from '../components/Topology.tsx';
import { VmPanel } from '../components/VmPanel.tsx';
import { AddVm } from '../components/AddVm.tsx';
import { Toolbar } from '../components/Toolbar.tsx';
import { ScenarioPicker } from '../components/ScenarioPicker.tsx';
import { ServerLog } from '../components/ServerLog.tsx';
import { SequenceChart } from '../components/SequenceChart.tsx';
import { Figures } from '../components/Figures.tsx';
import { HexView } from '../components/HexView.tsx';

export const wb = new Workbench();

export function App() {
  const [scenario, setScenario] = useState<Scenario>(SCENARIOS[0]);
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState('starting');
  const current = useRef<Scenario | undefined>(undefined);

  const start = async (next: Scenario) => {
    setStatus('starting');
    setError(undefined);
    try {
      await current.current?.stop?.(wb);
      current.current = next;
      await wb.reset({ ...DEFAULT_SETUP, ...next.setup });
      await next.start(wb);
      setStatus('running');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setStatus('failed');
    }
  };

  useEffect(() => {
    void start(scenario);
    let raf = 0;
    const frame = () => {
      wb.tick();
      raf = requestAnimationFrame(frame);
    };
    raf = requestAnimationFrame(frame);
    const timer = setInterval(() => current.current?.tick?.(wb), 250);
    return () => {
      cancelAnimationFrame(raf);
      clearInterval(timer);
    };
  }, []);

  const pick = (next: Scenario) => {
    setScenario(next);
    void start(next);
  };
  const View = scenario.view;
  return (
    <main data-status={status}>
      <p class="lede">
        <strong>What you see:</strong> {scenario.hint}
      </p>
      {error ? <p class="error" role="alert">{error}</p> : null}
      <div class="top">
        <ScenarioPicker current={scenario} onPick={pick} />
        <Topology wb={wb} />
      </div>
      <Toolbar wb={wb} onRestart={() => void start(scenario)} />
      {View ? <View wb={wb} /> : null}
      <section class="vms" aria-label="VMs">
        {wb.vms.value.map((entry) => <VmPanel key={entry.vm.device.block} wb={wb} entry={entry} />)}
      </section>
      <AddVm wb={wb} />
      <SequenceChart wb={wb} />
      <div class="pair">
        <Figures wb={wb} />
        <HexView wb={wb} scenario={scenario} />
      </div>
      <ServerLog wb={wb} />
    </main>
  );
}
