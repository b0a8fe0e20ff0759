// The protocol timeline as a sequence chart (as Wireshark's flow graph draws it): one column per
// VM, plus the server and the page's client; doorbells and server messages as labelled arrows,
// deliveries, pending bits and mask changes as marks. Filter by VM, kind and vector; pause to hold
// the picture and scrub back through the recorded history; click an event to see it in full;
// export the whole trace as JSON.
import { useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import type { TraceEvent, TraceKind } from '../app/trace.ts';

const ROWS = 28;
const ROW_H = 20;
const TOP = 34;
const KINDS: TraceKind[] = ['doorbell', 'server', 'deliver', 'pending', 'mask', 'unmask', 'reset', 'lost', 'dropped', 'ring-push', 'ring-pop'];
const SERVER = -100;

function describe(e: TraceEvent, clientId: number): string {
  const who = (id: number) => (id === SERVER ? 'server' : id === clientId ? `client ${id}` : `VM ${id}`);
  switch (e.kind) {
    case 'doorbell': return `${who(e.device)} rings ${who(e.peer)} vector ${e.vector}`;
    case 'server': return `server to ${who(e.device)}: ${e.text ?? ''}`;
    case 'deliver': return `${who(e.device)} vector ${e.vector} delivered${e.value > 1 ? ` x${e.value}` : ''}`;
    case 'pending': return `${who(e.device)} vector ${e.vector} pending (masked)`;
    default: return `${who(e.device)} ${markLabel(e)}${e.text ? `: ${e.text}` : ''}`;
  }
}

function markLabel(e: TraceEvent): string {
  if ((e.kind === 'mask' || e.kind === 'unmask') && e.vector < 0) return `function ${e.kind}`;
  const vector = e.vector >= 0 ? ` v${e.vector}` : '';
  const times = (e.kind === 'deliver' || e.kind === 'lost' || e.kind === 'dropped') && e.value > 1 ? ` x${e.value}` : '';
  return `${e.kind}${vector}${times}`;
}

export function SequenceChart({ wb }: { wb: Workbench }) {
  const all = wb.events.value;
  const [vmFilter, setVmFilter] = useState<number | 'all'>('all');
  const [kinds, setKinds] = useState<Set<TraceKind>>(new Set(KINDS));
  const [vector, setVector] = useState<number | 'all'>('all');
  const [frozen, setFrozen] = useState<TraceEvent[] | undefined>(undefined);
  const [end, setEnd] = useState(0);
  const [selected, setSelected] = useState<TraceEvent | undefined>(undefined);
  const clientId = wb.client?.id ?? -1;
  const source = frozen ?? all;
  const matches = source.filter((e) => kinds.has(e.kind)
    && (vmFilter === 'all' || e.device === vmFilter || (e.kind === 'doorbell' && e.peer === vmFilter))
    && (vector === 'all' || e.vector === vector));
  const last = frozen ? Math.min(end, matches.length) : matches.length;
  const shown = matches.slice(Math.max(0, last - ROWS), last);
  const ids = [...new Set([...wb.vms.value.map((v) => v.id), ...shown.flatMap((e) => (e.kind === 'doorbell' ? [e.device, e.peer] : [e.device]))])]
    .filter((id) => id >= 0 && id !== clientId).sort((a, b) => a - b);
  const columns = [SERVER, clientId, ...ids];
  const width = Math.max(360, columns.length * 110 + 60);
  const colX = (id: number) => (columns.includes(id) ? 55 + columns.indexOf(id) * ((width - 170) / Math.max(1, columns.length - 1)) : NaN);
  const height = TOP + ROWS * ROW_H + 10;
  const t0 = shown[0]?.time ?? 0;
  const toggleKind = (k: TraceKind) => {
    const next = new Set(kinds);
    if (next.has(k)) next.delete(k); else next.add(k);
    setKinds(next);
  };
  const exportJson = () => {
    const blob = new Blob([JSON.stringify({ clock: 'ms since the page opened (performance.now)', dropped: wb.traceDropped, events: all }, null, 1)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'ivshmem-trace.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  return (
    <section class="sequence" aria-label="Protocol timeline">
      <h2>Protocol timeline <small>{all.length.toLocaleString('en')} events recorded{wb.traceDropped ? `, ${wb.traceDropped.toLocaleString('en')} dropped` : ''}</small></h2>
      <div class="seq-controls">
        <button type="button" aria-pressed={!!frozen} onClick={() => {
          if (frozen) { setFrozen(undefined); return; }
          setFrozen(all);
          setEnd(Number.MAX_SAFE_INTEGER);
        }}>{frozen ? 'Live' : 'Pause timeline'}</button>
        {frozen ? (
          <label>scrub <input type="range" min={Math.min(ROWS, matches.length)} max={matches.length} value={last}
            onInput={(e) => setEnd(Number(e.currentTarget.value))} aria-label="scrub back through the timeline" /></label>
        ) : null}
        <label>VM <select value={String(vmFilter)} aria-label="filter by VM" onChange={(e) => setVmFilter(e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value))}>
          <option value="all">all</option>
          {ids.map((id) => <option key={id} value={id}>VM {id}</option>)}
        </select></label>
        <label>vector <select value={String(vector)} aria-label="filter by vector" onChange={(e) => setVector(e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value))}>
          <option value="all">all</option>
          {Array.from({ length: Math.max(1, wb.setup.vectors) }, (_, v) => <option key={v} value={v}>{v}</option>)}
        </select></label>
        <fieldset class="kinds"><legend class="sr-only">kinds shown</legend>
          {KINDS.slice(0, 8).map((k) => <label key={k}><input type="checkbox" checked={kinds.has(k)} onChange={() => toggleKind(k)} /> {k}</label>)}
        </fieldset>
        <button type="button" onClick={exportJson}>Export JSON</button>
      </div>
      <div class="seq-scroll">
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={`sequence chart of the last ${shown.length} events`}>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" /></marker>
          </defs>
          {columns.map((id) => (
            <g key={id} class="lane">
              <text x={colX(id)} y="16" text-anchor="middle">{id === SERVER ? 'server' : id === clientId ? `client ${id}` : `VM ${id}`}</text>
              <line x1={colX(id)} y1="24" x2={colX(id)} y2={height} />
            </g>
          ))}
          {shown.map((e, i) => {
            const y = TOP + i * ROW_H + ROW_H / 2;
            const label = `${((e.time - t0)).toFixed(1)} ms`;
            const onClick = () => setSelected(e);
            const common = { class: `ev ${e.kind}${selected === e ? ' selected' : ''}`, onClick, tabIndex: 0, role: 'button' as const, 'aria-label': describe(e, clientId),
              onKeyDown: (k: KeyboardEvent) => { if (k.key === 'Enter' || k.key === ' ') { k.preventDefault(); onClick(); } } };
            if (e.kind === 'doorbell' || e.kind === 'server') {
              const from = e.kind === 'server' ? colX(SERVER) : colX(e.device);
              const to = e.kind === 'server' ? colX(e.device) : colX(e.peer);
              if (Number.isNaN(from) || Number.isNaN(to)) return null;
              const text = e.kind === 'doorbell' ? `v${e.vector}` : (e.text ?? '').replace(/^to \d+: /, '').slice(0, 28);
              return (
                <g key={i} {...common} data-kind={e.kind} data-from={e.device} data-to={e.peer}>
                  <line x1={from} y1={y} x2={to} y2={y} marker-end="url(#arrow)" />
                  <rect class="hit" x={Math.min(from, to)} y={y - ROW_H / 2} width={Math.abs(to - from) || 10} height={ROW_H} />
                  <text x={(from + to) / 2} y={y - 3} text-anchor="middle">{text}</text>
                  <text class="time" x="4" y={y + 4}>{label}</text>
                </g>
              );
            }
            const x = colX(e.device);
            if (Number.isNaN(x)) return null;
            return (
              <g key={i} {...common} data-kind={e.kind}>
                <circle cx={x} cy={y} r="5" />
                <rect class="hit" x={x - 8} y={y - ROW_H / 2} width="120" height={ROW_H} />
                <text x={x + 9} y={y + 4}>{markLabel(e)}</text>
                <text class="time" x="4" y={y + 4}>{label}</text>
              </g>
            );
          })}
        </svg>
      </div>
      <div class="seq-detail" role="status" aria-label="Selected event">
        {selected ? <><strong>{describe(selected, clientId)}</strong><pre>{JSON.stringify(selected, null, 1)}</pre></> : <span>Click an arrow or a mark to see it in full.</span>}
      </div>
    </section>
  );
}
