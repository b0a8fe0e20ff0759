// The protocol timeline as a sequence chart (as Wireshark's flow graph draws it): one column per
// VM, plus the server and the page's client; doorbells, server messages and SDM signals as
// labelled arrows, deliveries, pending bits, mask changes and ring pushes/pops as marks (web/app/columns.ts
// says which column). Filter by VM, kind and vector; pause to hold the picture and scrub back
// through the recorded history; click an event to see it in full; export the whole trace as JSON.
import { useMemo, useRef, useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import type { Placed, TraceEvent, TraceKind } from '../app/trace.ts';
import { Columns, SERVER_KEY, type ColumnKey, type Place } from '../app/columns.ts';

const ROWS = 28;
const ROW_H = 20;
const TOP = 34;
const KINDS: TraceKind[] = ['doorbell', 'server', 'deliver', 'pending', 'mask', 'unmask', 'reset', 'lost', 'dropped', 'ring-push', 'ring-pop',
  'sdm-send', 'sdm-deliver', 'sdm-boot', 'sdm-reject'];
const ARROWS = new Set<TraceKind>(['doorbell', 'server', 'sdm-send']);

/** A payload word as people write it: small numbers in decimal, others in hex. */
const word = (n: number) => (n < 0x1000 ? String(n) : `0x${n.toString(16)}`);
const signal = (e: TraceEvent) => `${(e.text ?? '').replace('SDM_', '')}${e.payload ? ` [${e.payload.map(word).join(', ')}]` : ''}`;

function describe(e: TraceEvent, place: Place | undefined, columns: Columns): string {
  const who = (key: ColumnKey | undefined) => (key ? columns.label(key) : `device ${e.device}`);
  switch (e.kind) {
    case 'doorbell': return place?.fanOut
      ? `${who(place.from)} broadcasts ${e.value & 0xff} to ${place.fanOut.map(who).join(', ') || 'nobody'}`
      : `${who(place?.from)} rings ${who(place?.to)} vector ${e.vector}`;
    case 'server': return `server to ${who(place?.to)}: ${e.text ?? ''}`;
    case 'deliver': return `${who(place?.from)} vector ${e.vector} delivered${e.value > 1 ? ` x${e.value}` : ''}`;
    case 'pending': return `${who(place?.from)} vector ${e.vector} pending (masked)`;
    case 'sdm-send': return `${who(place?.from)} sends ${who(place?.to)} ${signal(e)}`;
    case 'sdm-deliver': return `${who(place?.from)} takes ${signal(e)} from ${e.peer === 0 ? 'the master' : `slave ${e.peer}`} into its hg_vq`;
    case 'sdm-boot': return `${who(place?.from)} booted by SDM_BOOT [${e.payload!.map(word).join(', ')}]`;
    case 'sdm-reject': return `${who(place?.from)} rejected a signal: ${e.text}`;
    default: return `${who(place?.from)} ${markLabel(e)}${e.text ? `: ${e.text}` : ''}`;
  }
}

function markLabel(e: TraceEvent): string {
  if ((e.kind === 'mask' || e.kind === 'unmask') && e.vector < 0) return `function ${e.kind}`;
  if (e.kind === 'sdm-deliver') return `takes ${signal(e)}`;
  if (e.kind === 'sdm-boot') return `booted [${e.payload!.map(word).join(', ')}]`;
  if (e.kind === 'sdm-reject') return `rejected: ${e.text}`;
  if (e.kind === 'ring-push' || e.kind === 'ring-pop') return `${e.kind} +${e.value}${e.peer === 1 ? ' (notify)' : ''}`;
  const vector = e.vector >= 0 ? ` v${e.vector}` : '';
  const times = (e.kind === 'deliver' || e.kind === 'lost' || e.kind === 'dropped') && e.value > 1 ? ` x${e.value}` : '';
  return `${e.kind}${vector}${times}`;
}

/** `hidden`: kinds left unticked at first (the chart is remounted for each scenario). */
/** The filter, as a predicate on placed events. */
function matcher(kinds: Set<TraceKind>, vm: ColumnKey | 'all', vector: number | 'all') {
  return ({ event: e, place }: Placed) => !!place && kinds.has(e.kind)
    && (vm === 'all' || place.from === vm || place.to === vm || !!place.fanOut?.includes(vm))
    && (vector === 'all' || e.vector === vector);
}

/**
 * Live, the chart shows the last ROWS events that pass the filter. They are kept between frames
 * and only the events that arrived since are filtered (the whole log only when the filter or the
 * log changes), so a frame costs what arrived, not the 20 000 events recorded.
 */
function useLiveRows(wb: Workbench, match: (p: Placed) => boolean, filterKey: string): Placed[] {
  const cache = useRef({ log: wb.trace, filterKey, upTo: 0, rows: [] as Placed[] });
  const c = cache.current;
  if (c.log !== wb.trace || c.filterKey !== filterKey) Object.assign(c, { log: wb.trace, filterKey, upTo: 0, rows: [] });
  const fresh = wb.trace.since(c.upTo);
  c.upTo = wb.trace.total;
  if (fresh.length) {
    const passed = fresh.length > ROWS * 8 ? lastMatches(fresh, match, ROWS) : fresh.filter(match);
    c.rows = c.rows.concat(passed).slice(-ROWS);
  }
  return c.rows;
}

/** The last `n` items that match, looking back from the end (a storm's frame need not filter all it brought). */
function lastMatches(items: Placed[], match: (p: Placed) => boolean, n: number): Placed[] {
  const found: Placed[] = [];
  for (let i = items.length - 1; i >= 0 && found.length < n; i--) if (match(items[i])) found.push(items[i]);
  return found.reverse();
}

export function SequenceChart({ wb, hidden = [] }: { wb: Workbench; hidden?: TraceKind[] }) {
  wb.traceVersion.value;
  const [vmFilter, setVmFilter] = useState<ColumnKey | 'all'>('all');
  const [kinds, setKinds] = useState<Set<TraceKind>>(() => new Set(KINDS.filter((k) => !hidden.includes(k))));
  const [vector, setVector] = useState<number | 'all'>('all');
  const [frozen, setFrozen] = useState<Placed[] | undefined>(undefined);
  const [end, setEnd] = useState(0);
  const [selected, setSelected] = useState<TraceEvent | undefined>(undefined);
  const filterKey = `${[...kinds].join()}|${vmFilter}|${vector}`;
  const match = matcher(kinds, vmFilter, vector);
  const live = useLiveRows(wb, match, filterKey);
  // Paused: the whole recorded history is filtered once, and only ROWS of it drawn at a time.
  const matches = useMemo(() => frozen?.filter(match) ?? [], [frozen, filterKey]);
  if (!wb.host) return null;
  const columns = new Columns(wb);
  const last = frozen ? Math.min(end, matches.length) : live.length;
  const shown = frozen ? matches.slice(Math.max(0, last - ROWS), last) : live;
  // The live VMs' columns, then columns of VMs gone but still in the shown events; the server and
  // the page's client only when there is ivshmem traffic to show.
  const liveKeys = columns.live.map((c) => c.key);
  const seen = shown.flatMap(({ place }) => [place!.from, ...(place!.to ? [place!.to] : []), ...(place!.fanOut ?? [])]);
  const ivshmem = columns.live.some((c) => c.entry.model !== 'virtio-sdm') || seen.includes(SERVER_KEY) || seen.includes(columns.clientKey);
  // no page client with an ivshmem2-server (ivshmem-v2 scenario): no column for it
  const keys = [...new Set([...(ivshmem ? [SERVER_KEY, ...(wb.client ? [columns.clientKey] : [])] : []), ...liveKeys, ...seen])];
  const width = Math.max(360, keys.length * 110 + 60);
  const colX = (key: ColumnKey) => (keys.includes(key) ? 55 + keys.indexOf(key) * ((width - 170) / Math.max(1, keys.length - 1)) : NaN);
  const height = TOP + ROWS * ROW_H + 10;
  const t0 = shown[0]?.event.time ?? 0;
  const toggleKind = (k: TraceKind) => {
    const next = new Set(kinds);
    if (next.has(k)) next.delete(k); else next.add(k);
    setKinds(next);
  };
  const exportJson = () => {
    const events = wb.trace.since(0).map((p) => p.event);
    const blob = new Blob([JSON.stringify({ clock: 'ms since the page opened (performance.now)', dropped: wb.traceDropped, events }, null, 1)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'ivshmem-trace.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const selectedPlace = selected ? columns.place(selected) : undefined;
  return (
    <section class="sequence" aria-label="Protocol timeline">
      <h2>Protocol timeline <small>{wb.trace.length.toLocaleString('en')} events recorded{wb.traceDropped ? `, ${wb.traceDropped.toLocaleString('en')} dropped` : ''}</small></h2>
      <div class="seq-controls">
        <button type="button" aria-pressed={!!frozen} onClick={() => {
          if (frozen) { setFrozen(undefined); return; }
          setFrozen(wb.trace.since(0));
          setEnd(Number.MAX_SAFE_INTEGER);
        }}>{frozen ? 'Live' : 'Pause timeline'}</button>
        {frozen ? (
          <label>scrub <input type="range" min={Math.min(ROWS, matches.length)} max={matches.length} value={last}
            onInput={(e) => setEnd(Number(e.currentTarget.value))} aria-label="scrub back through the timeline" /></label>
        ) : null}
        <label>VM <select value={vmFilter} aria-label="filter by VM" onChange={(e) => setVmFilter(e.currentTarget.value)}>
          <option value="all">all</option>
          {liveKeys.map((key) => <option key={key} value={key}>{columns.label(key)}</option>)}
        </select></label>
        <label>vector <select value={String(vector)} aria-label="filter by vector" onChange={(e) => setVector(e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value))}>
          <option value="all">all</option>
          {Array.from({ length: Math.max(1, wb.setup.vectors) }, (_, v) => <option key={v} value={v}>{v}</option>)}
        </select></label>
        <fieldset class="kinds"><legend class="sr-only">kinds shown</legend>
          {KINDS.map((k) => <label key={k}><input type="checkbox" checked={kinds.has(k)} onChange={() => toggleKind(k)} /> {k}</label>)}
        </fieldset>
        <button type="button" onClick={exportJson}>Export JSON</button>
      </div>
      <div class="seq-scroll">
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={`sequence chart of the last ${shown.length} events`}>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" /></marker>
          </defs>
          {keys.map((key) => (
            <g key={key} class="lane" data-column={key}>
              <text x={colX(key)} y="16" text-anchor="middle">{columns.label(key)}</text>
              <line x1={colX(key)} y1="24" x2={colX(key)} y2={height} />
            </g>
          ))}
          {shown.map(({ event: e, place }, i) => {
            const y = TOP + i * ROW_H + ROW_H / 2;
            const label = `${((e.time - t0)).toFixed(1)} ms`;
            const onClick = () => setSelected(e);
            const common = { class: `ev ${e.kind}${selected === e ? ' selected' : ''}`, onClick, tabIndex: 0, role: 'button' as const, 'aria-label': describe(e, place, columns),
              onKeyDown: (k: KeyboardEvent) => { if (k.key === 'Enter' || k.key === ' ') { k.preventDefault(); onClick(); } } };
            const from = colX(place!.from);
            if (place!.fanOut) {
              // A 2010 broadcast: one doorbell, an arrowhead at every other VM.
              return (
                <g key={i} {...common} data-kind={e.kind} data-from={e.device} data-to="all">
                  {place!.fanOut.map((key) => <line key={key} x1={from} y1={y} x2={colX(key)} y2={y} marker-end="url(#arrow)" />)}
                  <rect class="hit" x={Math.min(from, ...place!.fanOut.map(colX))} y={y - ROW_H / 2} width={Math.max(10, Math.max(from, ...place!.fanOut.map(colX)) - Math.min(from, ...place!.fanOut.map(colX)))} height={ROW_H} />
                  <text x={from + 40} y={y - 3} text-anchor="middle">broadcast {e.value & 0xff}</text>
                  <text class="time" x="4" y={y + 4}>{label}</text>
                </g>
              );
            }
            if (ARROWS.has(e.kind) && place!.to) {
              const to = colX(place!.to);
              const text = e.kind === 'doorbell' ? `v${e.vector}` : e.kind === 'sdm-send' ? signal(e) : (e.text ?? '').slice(0, 28);
              return (
                <g key={i} {...common} data-kind={e.kind} data-from={e.device} data-to={e.kind === 'server' ? e.device : e.peer}>
                  <line x1={from} y1={y} x2={to} y2={y} marker-end="url(#arrow)" />
                  <rect class="hit" x={Math.min(from, to)} y={y - ROW_H / 2} width={Math.abs(to - from) || 10} height={ROW_H} />
                  <text x={(from + to) / 2} y={y - 3} text-anchor="middle">{text}</text>
                  <text class="time" x="4" y={y + 4}>{label}</text>
                </g>
              );
            }
            return (
              <g key={i} {...common} data-kind={e.kind} data-at={place!.from}>
                <circle cx={from} cy={y} r="5" />
                <rect class="hit" x={from - 8} y={y - ROW_H / 2} width="120" height={ROW_H} />
                <text x={from + 9} y={y + 4}>{markLabel(e)}</text>
                <text class="time" x="4" y={y + 4}>{label}</text>
              </g>
            );
          })}
        </svg>
      </div>
      <div class="seq-detail" role="status" aria-label="Selected event">
        {selected ? <><strong>{describe(selected, selectedPlace, columns)}</strong><pre>{JSON.stringify(selected, null, 1)}</pre></> : <span>Click an arrow or a mark to see it in full.</span>}
      </div>
    </section>
  );
}
