// The workbench page: the scenario and its explanation, the picture, each VM, the timeline, the
// figures, the shared memory and the server's log; the playground in a second tab. The page reads
// everything from shared memory once per animation frame (Workbench.tick).
import { useEffect, useRef, useState } from 'preact/hooks';
import { Workbench } from './workbench.ts';
import { DEFAULT_SETUP, type Accel } from './workbench.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { Topology } from '../components/Topology.tsx';
import { VmPanel } from '../components/VmPanel.tsx';
import { SdmPanel } from '../components/SdmPanel.tsx';
import { AddVm } from '../components/AddVm.tsx';
import { Toolbar } from '../components/Toolbar.tsx';
import { ScenarioPicker } from '../components/ScenarioPicker.tsx';
import { ServerLog } from '../components/ServerLog.tsx';
import { SequenceChart } from '../components/SequenceChart.tsx';
import { Figures } from '../components/Figures.tsx';
import { HexView } from '../components/HexView.tsx';
import { Playground } from '../components/Playground.tsx';
import { STARTERS } from '../playground/starters.ts';
import { decodeSession, sessionInFragment, type Session } from '../playground/session.ts';
import { programSource } from '../playground/program-source.ts';
import type { VmEntry } from './vm-entry.ts';

type Tab = 'workbench' | 'playground';

/** The accelerator asked for in the page's address (?accel=kvm), else the default. */
function accelInUrl(search: string): Accel {
  const asked = new URLSearchParams(search).get('accel');
  return asked === 'kvm' || asked === 'tcg' ? asked : DEFAULT_SETUP.accel;
}

/** The starter an editor opens with for a VM that has no program text yet. */
function starterFor(entry: VmEntry): string {
  const id = /msi=off/.test(entry.device) ? 'intx' : 'driver';
  return STARTERS.find((s) => s.id === id)!.source;
}

/**
 * Puts the program the VM runs into its editor: a scenario's own guest program (with the
 * argument it was started with, for the next Run), else a starter.
 */
function showProgram(entry: VmEntry): void {
  const running = entry.running.value;
  const loading = running?.kind === 'url' ? programSource(running.url) : undefined;
  if (!loading) {
    entry.source.value = starterFor(entry);
    return;
  }
  entry.programArg = running!.arg;
  const url = (running as { url: string }).url;
  void loading.then((text) => {
    if (entry.source.value) return;
    entry.source.value = text;
    entry.origin = { url, source: text };
  });
}

export const wb = new Workbench();

export function App() {
  const [scenario, setScenario] = useState<Scenario>(SCENARIOS[0]);
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState('starting');
  const current = useRef<Scenario | undefined>(undefined);
  const starts = useRef(0);
  const [tab, setTab] = useState<Tab>('workbench');
  const [banner, setBanner] = useState<string | undefined>();

  const start = async (next: Scenario, accel: Accel = wb.setup.accel) => {
    const run = ++starts.current;
    setStatus('starting');
    setError(undefined);
    try {
      await current.current?.stop?.(wb);
      current.current = next;
      await wb.reset({ ...DEFAULT_SETUP, ...next.setup, accel });
      await next.start(wb);
      if (run === starts.current) setStatus('running');
    } catch (e) {
      // A start overtaken by another (a scenario picked while this one was starting) fails
      // because the workbench was reset under it: only the latest one's outcome is shown.
      if (run !== starts.current) return;
      setError(e instanceof Error ? e.message : String(e));
      setStatus('failed');
    }
  };

  /** Builds a session's VMs with their programs in the editors, running nothing. */
  const load = async (session: Session) => {
    setStatus('starting');
    setError(undefined);
    try {
      await current.current?.stop?.(wb);
      const from = SCENARIOS.find((x) => x.id === session.scenario);
      current.current = undefined;
      if (from) setScenario(from);
      // a session saves the ivshmem-server's setup; a scenario's own server (ivshmem2) comes with it
      await wb.reset({ ...from?.setup, ...session.setup, accel: session.setup.accel ?? DEFAULT_SETUP.accel });
      for (const vm of session.vms) {
        const entry = await wb.addVm(vm.device);
        entry.source.value = vm.source;
        entry.programArg = vm.arg;
      }
      setTab('playground');
      setStatus('loaded');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setStatus('failed');
    }
  };

  const session = (): Session => ({
    version: 1,
    setup: { vectors: wb.setup.vectors, size: wb.setup.size, accel: wb.setup.accel },
    scenario: scenario.id,
    vms: wb.vms.value.map((e) => ({ device: e.device, source: e.source.value || starterFor(e), ...(e.programArg !== undefined ? { arg: e.programArg } : {}) })),
  });

  useEffect(() => {
    const link = sessionInFragment(location.hash);
    if (link === undefined) {
      void start(scenario, accelInUrl(location.search));
    } else {
      decodeSession(link).then(
        (s) => {
          setBanner('This session came from a link: its programs are in the editors and nothing runs until you press Run. Read them first: it is someone else\'s code.');
          return load(s);
        },
        (e: Error) => {
          setBanner(`This link's session could not be loaded: ${e.message}. Showing the default scenario instead.`);
          return start(scenario, accelInUrl(location.search));
        },
      );
    }
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
  const openTab = (next: Tab) => {
    if (next === 'playground') for (const e of wb.vms.value) if (!e.source.value) showProgram(e);
    setTab(next);
  };
  const tabs = (
    <div class="tabs" role="tablist" aria-label="View">
      {(['workbench', 'playground'] as Tab[]).map((t) => (
        <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => openTab(t)}>{t === 'workbench' ? 'Workbench' : 'Playground'}</button>
      ))}
    </div>
  );
  if (tab === 'playground') {
    return (
      <main data-status={status} data-tab={tab}>
        {tabs}
        {banner ? <p class="banner" role="alert">{banner}</p> : null}
        {error ? <p class="error" role="alert">{error}</p> : null}
        <p class="lede"><strong>The playground:</strong> each VM's guest program, in TypeScript or JavaScript. Edit one and press Run (Ctrl+Enter); type <code>vm.</code> for the guest API.</p>
        <Playground wb={wb} session={session} onLoad={(s) => void load(s)} />
        <AddVm wb={wb} withDriver={false} onAdded={(e) => { e.source.value = starterFor(e); }} />
      </main>
    );
  }
  return (
    <main data-status={status} data-tab={tab}>
      {tabs}
      {banner ? <p class="banner" role="alert">{banner}</p> : null}
      <p class="lede">
        <strong>What you see:</strong> {scenario.hint}
      </p>
      {error ? <p class="error" role="alert">{error}</p> : null}
      <div class="top">
        <ScenarioPicker current={scenario} onPick={pick} />
        <Topology wb={wb} />
      </div>
      <Toolbar wb={wb} onRestart={() => void start(scenario)} onAccel={(accel) => {
        // Kept in the address, so a reload (or the link) starts with the same accelerator.
        const url = new URL(location.href);
        url.searchParams.set('accel', accel);
        history.replaceState(null, '', url);
        void start(scenario, accel);
      }} />
      {View ? <View wb={wb} /> : null}
      <section class="vms" aria-label="VMs">
        {wb.vms.value.map((entry) => (entry.model === 'virtio-sdm'
          ? <SdmPanel key={entry.vm.key} wb={wb} entry={entry} />
          : <VmPanel key={entry.vm.key} wb={wb} entry={entry} />))}
      </section>
      <AddVm wb={wb} />
      <SequenceChart key={scenario.id} wb={wb} hidden={scenario.hiddenKinds} />
      <div class="pair">
        <Figures wb={wb} />
        <HexView wb={wb} scenario={scenario} />
      </div>
      <ServerLog wb={wb} />
    </main>
  );
}
