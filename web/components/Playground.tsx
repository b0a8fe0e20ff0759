// The playground: one editor per VM with its guest program, run/stop/restart per VM or all, each
// VM's console; a starter for a new VM; the whole session as a link or a file.
import { useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import { Editor } from './Editor.tsx';
import { STARTERS } from '../playground/starters.ts';
import { checkSession, encodeSession, SessionError, type Session } from '../playground/session.ts';
import { RunnerState } from '../guest/control.ts';

/** What the VM's program is doing, read every frame: a program that returned still serves the page. */
function ProgramState({ wb, entry }: { wb: Workbench; entry: VmEntry }) {
  wb.frame.value;
  const state = !entry.running.value ? 'stopped'
    : entry.state === RunnerState.Done ? 'finished (still serving the page)'
      : entry.state === RunnerState.Failed ? 'failed' : 'running';
  return <span class="state" data-state={state.split(' ')[0]}>{state}</span>;
}

function VmProgram({ wb, entry }: { wb: Workbench; entry: VmEntry }) {
  const lines = entry.console.value;
  const lastError = [...lines].reverse().find((l) => l.error && l.line);
  const running = !!entry.running.value;
  const name = `VM ${entry.id}`;
  const run = async () => {
    const current = running ? await wb.stop(entry) : entry;
    current.say(`--- run (${current.device})`);
    wb.run(current, current.programToRun());
  };
  return (
    <section class="program" aria-label={`${name} program`}>
      <header>
        <h3>{name} <span class="model">{entry.device}</span></h3>
        <div class="buttons">
          <button type="button" onClick={() => void run()}>{running ? 'Restart' : 'Run'}</button>
          <button type="button" onClick={() => void wb.stop(entry)} disabled={!running}>Stop</button>
          <ProgramState wb={wb} entry={entry} />
        </div>
      </header>
      <Editor label={`${name} program`} source={entry.source}
        error={lastError ? { line: lastError.line!, message: lastError.text } : undefined} onRun={() => void run()} />
      <pre class="console" aria-label={`${name} console`} tabIndex={0}>
        {lines.slice(-200).map((l, i) => <div key={i} class={l.error ? 'err' : ''}>{l.line ? `line ${l.line}: ` : ''}{l.text}</div>)}
      </pre>
    </section>
  );
}

export function Playground({ wb, session, onLoad }: { wb: Workbench; session: () => Session; onLoad: (s: Session) => void }) {
  const [starter, setStarter] = useState(STARTERS[0].id);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const vms = wb.vms.value;
  const addVm = async () => {
    const s = STARTERS.find((x) => x.id === starter)!;
    setBusy(true);
    try {
      const entry = await wb.addVm(s.device);
      entry.source.value = s.source;
      setMessage('');
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const share = async () => {
    const text = await encodeSession(session());
    const url = `${location.origin}${location.pathname}#session=${text}`;
    history.replaceState(null, '', url);
    try {
      await navigator.clipboard.writeText(url);
      setMessage(`Link copied (${url.length.toLocaleString('en')} characters). It is also in the address bar.`);
    } catch {
      setMessage('The link is in the address bar: copy it from there.');
    }
  };
  const exportFile = () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([JSON.stringify(session(), null, 2)], { type: 'application/json' }));
    a.download = 'ivshmem-session.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const importFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      if (file.size > 512 * 1024) throw new SessionError('the file is larger than 512 KiB');
      let value: unknown;
      try { value = JSON.parse(await file.text()); } catch { throw new SessionError(`${file.name} is not JSON`); }
      onLoad(checkSession(value));
      setMessage(`Loaded ${file.name}: read the programs, then press Run.`);
    } catch (e) {
      setMessage(`Could not load ${file.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <div class="playground">
      <div class="toolbar">
        <button type="button" onClick={() => vms.forEach((e) => { e.say(`--- run (${e.device})`); void (e.running.value ? wb.stop(e) : Promise.resolve(e)).then((x) => wb.run(x, x.programToRun())); })}>Run all</button>
        <button type="button" onClick={() => vms.forEach((e) => void wb.stop(e))}>Stop all</button>
        <label>starter <select aria-label="starter program" value={starter} onChange={(e) => setStarter(e.currentTarget.value)}>
          {STARTERS.map((s) => <option key={s.id} value={s.id}>{s.title}</option>)}
        </select></label>
        <button type="button" disabled={busy} onClick={() => void addVm()}>Add a VM with it</button>
        <button type="button" onClick={() => vms.forEach((e) => { e.source.value = STARTERS.find((x) => x.id === starter)!.source; })}>Load it into every editor</button>
        <button type="button" onClick={() => void share()}>Share as link</button>
        <button type="button" onClick={exportFile}>Export file</button>
        {/* A button's face, not the browser's file picker, whose "No file chosen" is cut short in a toolbar. */}
        <label class="file button">Import file <input type="file" class="sr-only" accept="application/json,.json" onChange={(e) => void importFile(e.currentTarget.files?.[0])} /></label>
      </div>
      <p class="status" role="status">{message}</p>
      <div class="programs">
        {vms.map((entry) => <VmProgram key={entry.vm.key} wb={wb} entry={entry} />)}
      </div>
    </div>
  );
}
