// The workbench page: the scenario and its explanation, the picture, each VM, the timeline, the
// figures, the shared memory and the server's log; the playground in a second tab. The page reads
// everything from shared memory once per animation frame (Workbench.tick).
import { useEffect, useRef, useState } from 'preact/hooks';
import { lazy, Suspense } from 'preact/compat';
import { Workbench } from './workbench.ts';
import { DEFAULT_SETUP, type Accel } from './workbench.ts';
import { paceFor, type Scenario } from '../scenarios/scenario.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { Topology } from '../components/Topology.tsx';
import { VmPanel } from '../components/VmPanel.tsx';
import { SdmPanel } from '../components/SdmPanel.tsx';
import { AddVm } from '../components/AddVm.tsx';
import { SdmRoom } from '../components/SdmRoom.tsx';
import { Toolbar } from '../components/Toolbar.tsx';
import { ScenarioPicker } from '../components/ScenarioPicker.tsx';
import { ServerLog } from '../components/ServerLog.tsx';
import { SequenceChart } from '../components/SequenceChart.tsx';
import { HexView } from '../components/HexView.tsx';
import { Figures, KeyFigure } from '../components/KeyFigure.tsx';

// The editor (CodeMirror, sucrase) and the figures (uPlot) are most of the app's weight: each is
// loaded when it is first shown, so the first screen loads only what it shows.
const Playground = lazy(() => import('../components/Playground.tsx').then((m) => ({ default: m.Playground })));
const loading = <p class="loading" role="status">Loading…</p>;
const Tour = lazy(() => import('../tour/Tour.tsx').then((m) => ({ default: m.Tour })));
import { STARTERS } from '../playground/starters.ts';
import { decodeSession, sessionInFragment, type Session } from '../playground/session.ts';
import { programSource } from '../playground/program-source.ts';
import type { VmEntry } from './vm-entry.ts';
import { TOUR } from '../tour/steps.ts';

/** The tour's step in the address (?tour=<id>), without loading the tour's code. */
function tourInUrl(search: string): string | undefined {
  return new URLSearchParams(search).get('tour') ?? undefined;
}

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
  const [tour, setTour] = useState<string | undefined>(() => tourInUrl(location.search));

  const start = async (next: Scenario, accel: Accel = wb.setup.accel) => {
    const run = ++starts.current;
    setStatus('starting');
    setError(undefined);
    try {
      await current.current?.stop?.(wb);
      current.current = next;
      wb.pace.value = paceFor(next, wb.pace.value);
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
  const openTab = (next: Tab) => {
    if (next === 'playground') for (const e of wb.vms.value) if (!e.source.value) showProgram(e);
    setTab(next);
  };
  const tabs = (
    <div class="tab-row">
      <div class="tabs" role="tablist" aria-label="View">
        {(['workbench', 'playground'] as Tab[]).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => openTab(t)}>{t === 'workbench' ? 'Workbench' : 'Playground'}</button>
        ))}
      </div>
      <button type="button" class="tour-button" onClick={() => { setTab('workbench'); setTour(TOUR[0].id); }}>Take the tour: {TOUR.length} questions, answered</button>
    </div>
  );
  const pickById = (id: string) => {
    const next = SCENARIOS.find((s) => s.id === id);
    if (next && next.id !== current.current?.id) pick(next);
  };
  if (tab === 'playground') {
    return (
      <main data-status={status} data-scenario={scenario.id} data-tab={tab}>
        {tabs}
        {banner ? <p class="banner" role="alert">{banner}</p> : null}
        {error ? <p class="error" role="alert">{error}</p> : null}
        <div class="playground-layout">
          <div class="playground-main">
            <p class="lede"><strong>The playground:</strong> each VM's guest program, in TypeScript or JavaScript. Edit one and press Run (Ctrl+Enter); type <code>vm.</code> for the guest API.</p>
            <Suspense fallback={loading}><Playground wb={wb} session={session} onLoad={(s) => void load(s)} /></Suspense>
            <AddVm wb={wb} withDriver={false} onAdded={(e) => { e.source.value = starterFor(e); }} />
          </div>
          {/* What the programs do, beside them: no switching tabs to see one's own doorbell. */}
          <aside class="playground-side" aria-label="What the VMs do">
            <Topology wb={wb} />
            <SequenceChart key={`playground-${scenario.id}`} wb={wb} hidden={scenario.hiddenKinds} />
          </aside>
        </div>
      </main>
    );
  }
  const Panel = scenario.panel;
  return (
    <main data-status={status} data-scenario={scenario.id} data-tab={tab}>
      {tabs}
      {banner ? <p class="banner" role="alert">{banner}</p> : null}
      <p class="lede">
        <strong>What you see:</strong> {scenario.hint}
      </p>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {/* The first screen: the scenario, the picture and its key figure beside the live timeline. */}
      <div class="stage">
        <div class="stage-left">
          <ScenarioPicker current={scenario} onPick={pick} />
          <Toolbar wb={wb} scenario={scenario} onRestart={() => void start(scenario)} onAccel={(accel) => {
            // Kept in the address, so a reload (or the link) starts with the same accelerator.
            const url = new URL(location.href);
            url.searchParams.set('accel', accel);
            history.replaceState(null, '', url);
            void start(scenario, accel);
          }} />
          <Topology wb={wb} />
          <KeyFigure wb={wb} scenario={scenario} />
        </div>
        <div class="stage-right">
          <SequenceChart key={scenario.id} wb={wb} hidden={scenario.hiddenKinds} height={400} />
        </div>
      </div>
      {Panel ? <Panel wb={wb} /> : null}
      {tour !== undefined ? (
        <Suspense fallback={null}>
          <Tour wb={wb} start={tour} scenario={scenario.id} status={status} onScenario={pickById} onClose={() => setTour(undefined)} />
        </Suspense>
      ) : null}
      <div class="machines">
        <section class="vms" aria-label="VMs">
          {wb.vms.value.map((entry) => (entry.model === 'virtio-sdm'
            ? <SdmPanel key={entry.vm.key} wb={wb} entry={entry} />
            : <VmPanel key={entry.vm.key} wb={wb} entry={entry} />))}
        </section>
        <AddVm wb={wb} />
        <SdmRoom wb={wb} />
      </div>
      <div class="pair">
        <Suspense fallback={loading}><Figures wb={wb} /></Suspense>
        <HexView key={scenario.id} wb={wb} scenario={scenario} />
      </div>
      <ServerLog wb={wb} />
    </main>
  );
}
