// The protocol timeline, a trace viewer in the manner of Chrome DevTools' performance panel and
// Wireshark's flow graph: one column per VM (plus the server and the page's client), one row per
// event with its time since the trace began; doorbells, server messages and SDM signals as
// labelled arrows, deliveries, pending bits, mask changes and ring pushes/pops as marks
// (web/app/columns.ts says which column). The whole recorded history is one scrollable list,
// drawn only where it is seen; an overview above it shows where events fell in time, where the
// list is, and takes a drag to zoom into a stretch of time (a click to jump there). Live, the list
// follows the newest events while it is scrolled to the end; scrolling back or clicking an event
// holds it still. Filter by VM, kind and vector; export the whole trace as JSON. On a narrow
// screen each row is a line of text instead of arrows between columns.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import type { Placed, TraceEvent, TraceKind } from '../app/trace.ts';
import { Columns, SERVER_KEY, type ColumnKey, type Place } from '../app/columns.ts';

const ROW_H = 20;
/** rows drawn beyond the visible ones, above and below, so a scroll shows no gap */
const OVERSCAN = 10;
const BUCKETS = 120;
const CAPACITIES = [5_000, 20_000, 100_000, 500_000];
/** a phone's width: a list of events, one line each, instead of arrows between columns */
const PHONE = matchMedia('(max-width: 600px)');
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

/** The filter, as a predicate on placed events. */
function matcher(kinds: Set<TraceKind>, vm: ColumnKey | 'all', vector: number | 'all') {
  return ({ event: e, place }: Placed) => !!place && kinds.has(e.kind)
    && (vm === 'all' || place.from === vm || place.to === vm || !!place.fanOut?.includes(vm))
    && (vector === 'all' || e.vector === vector);
}


/** The first index in a sorted list whose value is at least `x`. */
function lowerBound(list: Placed[], x: number, key: (p: Placed) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid]) < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * The events that pass the filter, kept between frames: only what arrived since the last frame is
 * filtered (the whole log when the filter or the log changes), and events the log has forgotten
 * are dropped from the front of its tail. A frame costs what arrived, not what is recorded.
 */
function useMatches(wb: Workbench, match: (p: Placed) => boolean, filterKey: string): Placed[] {
  const cache = useRef({ log: wb.trace, filterKey, upTo: 0, rows: [] as Placed[] });
  const c = cache.current;
  if (c.log !== wb.trace || c.filterKey !== filterKey) Object.assign(c, { log: wb.trace, filterKey, upTo: 0, rows: [] });
  const fresh = wb.trace.since(c.upTo);
  c.upTo = wb.trace.total;
  if (fresh.length) c.rows = c.rows.concat(fresh.filter(match));
  // Forgotten: indices from the end of the head to the first of the tail.
  const gone = [lowerBound(c.rows, wb.trace.headSize, (p) => p.index!), lowerBound(c.rows, wb.trace.firstTail, (p) => p.index!)];
  if (gone[1] > gone[0]) c.rows = c.rows.slice(0, gone[0]).concat(c.rows.slice(gone[1]));
  return c.rows;
}

const ms = (t: number) => `${t < 10_000 ? t.toFixed(1) : t.toFixed(0)} ms`;

export function SequenceChart({ wb, hidden = [], height = 420 }: { wb: Workbench; hidden?: TraceKind[]; height?: number }) {
  wb.traceVersion.value;
  const [vmFilter, setVmFilter] = useState<ColumnKey | 'all'>('all');
  const [kinds, setKinds] = useState<Set<TraceKind>>(() => new Set(KINDS.filter((k) => !hidden.includes(k))));
  const [vector, setVector] = useState<number | 'all'>('all');
  /** held: the list as it was when paused (live: undefined) */
  const [held, setHeld] = useState<Placed[] | undefined>(undefined);
  /** the stretch of time shown (ms since the trace began), or all of it */
  const [zoom, setZoom] = useState<[number, number] | undefined>(undefined);
  const [scrollTop, setScrollTop] = useState(0);
  const [narrow, setNarrow] = useState(() => PHONE.matches);
  const scroller = useRef<HTMLDivElement>(null);
  const lanes = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const overview = useRef<SVGSVGElement>(null);
  const drag = useRef<number | undefined>(undefined);
  const [brush, setBrush] = useState<[number, number] | undefined>(undefined);
  const filterKey = `${[...kinds].join()}|${vmFilter}|${vector}`;
  const match = matcher(kinds, vmFilter, vector);
  const live = useMatches(wb, match, filterKey);
  const selected = wb.selected.value;
  const origin = wb.trace.origin ?? 0;
  const all = held ? held.filter(match) : live;
  const rows = zoom ? all.slice(lowerBound(all, origin + zoom[0], (p) => p.event.time), lowerBound(all, origin + zoom[1], (p) => p.event.time)) : all;

  // Live and scrolled to the end: the list follows the newest events.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && !held && following.current) el.scrollTop = el.scrollHeight;
  });
  useEffect(() => {
    const change = () => setNarrow(PHONE.matches);
    PHONE.addEventListener('change', change);
    return () => PHONE.removeEventListener('change', change);
  }, []);
  if (!wb.host) return null;

  const columns = new Columns(wb);
  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_H) + OVERSCAN);
  const shown = rows.slice(first, last);
  // The live VMs' columns, then columns of VMs gone but still in the shown events; the server and
  // the page's client only when there is ivshmem traffic to show.
  const liveKeys = columns.live.map((c) => c.key);
  const seen = shown.flatMap(({ place }) => [place!.from, ...(place!.to ? [place!.to] : []), ...(place!.fanOut ?? [])]);
  const ivshmem = columns.live.some((c) => c.entry.model !== 'virtio-sdm') || seen.includes(SERVER_KEY) || seen.includes(columns.clientKey);
  // no page client beside an ivshmem2-server (the ivshmem-v2 scenario): no column for it
  const keys = [...new Set([...(ivshmem && wb.server ? [SERVER_KEY, ...(wb.client ? [columns.clientKey] : [])] : []), ...liveKeys, ...seen])];
  const width = Math.max(360, keys.length * 110 + 90);
  const colX = (key: ColumnKey) => (keys.includes(key) ? 85 + keys.indexOf(key) * ((width - 200) / Math.max(1, keys.length - 1)) : NaN);

  const pause = (on: boolean) => {
    if (on) setHeld(wb.trace.since(0));
    else { setHeld(undefined); following.current = true; }
  };
  const select = (e: TraceEvent) => {
    wb.selected.value = e;
    if (!held) pause(true);
  };
  const toggleKind = (k: TraceKind) => {
    const next = new Set(kinds);
    if (next.has(k)) next.delete(k); else next.add(k);
    setKinds(next);
  };
  const scrollTo = (row: number) => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = Math.max(0, row * ROW_H - height / 3);
    following.current = false;
  };
  const exportJson = () => {
    const events = wb.trace.since(0).map((p) => p.event);
    const blob = new Blob([JSON.stringify({ clock: 'ms since the page opened (performance.now)', lost: wb.traceLost, forgotten: wb.trace.forgotten, events }, null, 1)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'ivshmem-trace.json';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  // The overview: the whole trace's span, events counted per bucket, the list's window on it.
  const span = Math.max(1, (all.at(-1)?.event.time ?? origin) - origin);
  const counts = new Array(BUCKETS).fill(0);
  for (const p of all) counts[Math.min(BUCKETS - 1, Math.floor(((p.event.time - origin) / span) * BUCKETS))]++;
  const peak = Math.max(1, ...counts);
  const timeAt = (clientX: number) => {
    const box = overview.current!.getBoundingClientRect();
    return Math.min(1, Math.max(0, (clientX - box.left) / box.width)) * span;
  };
  const inView = [rows[Math.floor(scrollTop / ROW_H)], rows[Math.min(rows.length - 1, Math.floor((scrollTop + height) / ROW_H))]];
  const window = inView[0] && inView[1] ? [inView[0].event.time - origin, inView[1].event.time - origin] : undefined;
  const jump = (t: number) => scrollTo(lowerBound(rows, origin + t, (p) => p.event.time));
  const selectedPlace = selected ? columns.place(selected) : undefined;
  const forgotten = wb.trace.forgotten;
  return (
    <section class="sequence" aria-label="Protocol timeline">
      <h2>Protocol timeline <small>{wb.trace.length.toLocaleString('en')} events kept</small></h2>
      <p class="trace-note" role="note">
        {forgotten ? `The trace keeps its first ${wb.trace.headSize.toLocaleString('en')} events and its last ${wb.trace.capacity.toLocaleString('en')}: ${forgotten.toLocaleString('en')} in between were forgotten to make room. ` : `Every event since the start is kept (up to ${wb.trace.capacity.toLocaleString('en')} after the first ${wb.trace.headSize.toLocaleString('en')}). `}
        {wb.traceLost ? `${wb.traceLost.toLocaleString('en')} were never recorded: a VM's trace ring filled before the page read it.` : 'None was lost.'}
      </p>
      <div class="seq-controls">
        <button type="button" aria-pressed={!!held} onClick={() => pause(!held)}>{held ? 'Live' : 'Pause timeline'}</button>
        <button type="button" onClick={() => scrollTo(0)}>Start of trace</button>
        <button type="button" onClick={() => { pause(false); scroller.current!.scrollTop = scroller.current!.scrollHeight; }}>Newest</button>
        {zoom ? <button type="button" onClick={() => setZoom(undefined)}>Whole trace</button> : null}
        <label>VM <select value={vmFilter} aria-label="filter by VM" onChange={(e) => setVmFilter(e.currentTarget.value)}>
          <option value="all">all</option>
          {liveKeys.map((key) => <option key={key} value={key}>{columns.label(key)}</option>)}
        </select></label>
        <label>vector <select value={String(vector)} aria-label="filter by vector" onChange={(e) => setVector(e.currentTarget.value === 'all' ? 'all' : Number(e.currentTarget.value))}>
          <option value="all">all</option>
          {Array.from({ length: Math.max(1, wb.setup.vectors) }, (_, v) => <option key={v} value={v}>{v}</option>)}
        </select></label>
        <label>keep <select value={wb.trace.capacity} aria-label="events kept" onChange={(e) => { wb.trace.setCapacity(Number(e.currentTarget.value)); wb.traceVersion.value++; }}>
          {CAPACITIES.map((n) => <option key={n} value={n}>{n.toLocaleString('en')} events</option>)}
        </select></label>
        <button type="button" onClick={exportJson}>Export JSON</button>
        <details class="kinds-menu">
          <summary>kinds shown ({kinds.size} of {KINDS.length})</summary>
          <fieldset class="kinds"><legend class="sr-only">kinds shown</legend>
            {KINDS.map((k) => <label key={k}><input type="checkbox" checked={kinds.has(k)} onChange={() => toggleKind(k)} /> {k}</label>)}
          </fieldset>
        </details>
      </div>
      <svg ref={overview} class="overview" viewBox={`0 0 ${BUCKETS} 30`} preserveAspectRatio="none" role="img"
        aria-label={`overview: ${all.length.toLocaleString('en')} events over ${ms(span)}; drag to zoom into a stretch, click to go there`}
        onPointerDown={(e) => { drag.current = timeAt(e.clientX); setBrush(undefined); (e.currentTarget as Element).setPointerCapture(e.pointerId); }}
        onPointerMove={(e) => { if (drag.current !== undefined) setBrush([drag.current, timeAt(e.clientX)]); }}
        onPointerUp={(e) => {
          const from = drag.current;
          drag.current = undefined;
          setBrush(undefined);
          if (from === undefined) return;
          const to = timeAt(e.clientX);
          if (Math.abs(to - from) > span / BUCKETS) { setZoom([Math.min(from, to), Math.max(from, to)]); following.current = false; if (!held) pause(true); } else jump(to);
        }}>
        {counts.map((n, i) => (n ? <rect key={i} class="bar" x={i} width="1" y={30 - (28 * n) / peak} height={(28 * n) / peak} /> : null))}
        {zoom ? <rect class="zoom" x={(zoom[0] / span) * BUCKETS} width={Math.max(0.5, ((zoom[1] - zoom[0]) / span) * BUCKETS)} y="0" height="30" /> : null}
        {window ? <rect class="window" x={(window[0] / span) * BUCKETS} width={Math.max(0.5, ((window[1] - window[0]) / span) * BUCKETS)} y="0" height="30" /> : null}
        {brush ? <rect class="brush" x={(Math.min(...brush) / span) * BUCKETS} width={(Math.abs(brush[1] - brush[0]) / span) * BUCKETS} y="0" height="30" /> : null}
      </svg>
      <div class="overview-axis" aria-hidden="true"><span>0 ms</span><span>{zoom ? `zoomed: ${ms(zoom[0])} to ${ms(zoom[1])}` : ''}</span><span>{ms(span)}</span></div>
      {narrow ? null : (
        <div class="lanes" ref={lanes}>
          <svg viewBox={`0 0 ${width} 22`} width={width} height="22" aria-hidden="true">
            <text class="time" x="4" y="15">since start</text>
            {keys.map((key) => <text key={key} x={colX(key)} y="15" text-anchor="middle" data-column={key}>{columns.label(key)}</text>)}
          </svg>
        </div>
      )}
      <div class="seq-scroll" ref={scroller} style={{ height: `${height}px` }} tabIndex={0} aria-label="Events, oldest first"
        onScroll={(e) => {
          const el = e.currentTarget;
          setScrollTop(el.scrollTop);
          if (lanes.current) lanes.current.scrollLeft = el.scrollLeft;
          following.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_H;
          if (!following.current && !held) pause(true);
        }}>
        <div style={{ height: `${rows.length * ROW_H}px`, position: 'relative', width: narrow ? '100%' : `${width}px` }}>
          {narrow ? (
            <ol class="event-list" style={{ top: `${first * ROW_H}px` }} start={first + 1}>
              {shown.map(({ event: e, place }, i) => (
                <li key={first + i} class={`ev ${e.kind}${selected === e ? ' selected' : ''}`} data-kind={e.kind} tabIndex={0}
                  onClick={() => select(e)} onKeyDown={(k) => { if (k.key === 'Enter' || k.key === ' ') { k.preventDefault(); select(e); } }}>
                  <span class="time">{ms(e.time - origin)}</span> {describe(e, place, columns)}
                </li>
              ))}
            </ol>
          ) : (
            <svg class="rows" viewBox={`0 ${first * ROW_H} ${width} ${Math.max(1, shown.length) * ROW_H}`} width={width} height={Math.max(1, shown.length) * ROW_H}
              style={{ top: `${first * ROW_H}px` }} role="img" aria-label={`sequence chart, events ${first + 1} to ${first + shown.length} of ${rows.length}`}>
              <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" /></marker>
              </defs>
              {keys.map((key) => <line key={key} class="lane" x1={colX(key)} y1={first * ROW_H} x2={colX(key)} y2={(first + shown.length) * ROW_H} />)}
              {shown.map(({ event: e, place }, i) => {
                const y = (first + i) * ROW_H + ROW_H / 2;
                const label = ms(e.time - origin);
                const common = { class: `ev ${e.kind}${selected === e ? ' selected' : ''}`, onClick: () => select(e), tabIndex: 0, role: 'button' as const, 'aria-description': describe(e, place, columns),
                  onKeyDown: (k: KeyboardEvent) => { if (k.key === 'Enter' || k.key === ' ') { k.preventDefault(); select(e); } } };
                const from = colX(place!.from);
                if (place!.fanOut) {
                  // A 2010 broadcast: one doorbell, an arrowhead at every other VM.
                  const xs = place!.fanOut.map(colX);
                  return (
                    <g key={first + i} {...common} data-kind={e.kind} data-from={e.device} data-to="all">
                      <text class="time" x="4" y={y + 4}>{label}</text>
                      {place!.fanOut.map((key) => <line key={key} x1={from} y1={y} x2={colX(key)} y2={y} marker-end="url(#arrow)" />)}
                      <rect class="hit" x={Math.min(from, ...xs)} y={y - ROW_H / 2} width={Math.max(10, Math.max(from, ...xs) - Math.min(from, ...xs))} height={ROW_H} />
                      <text x={from + 40} y={y - 3} text-anchor="middle">broadcast {e.value & 0xff}</text>
                    </g>
                  );
                }
                if (ARROWS.has(e.kind) && place!.to) {
                  const to = colX(place!.to);
                  const text = e.kind === 'doorbell' ? `v${e.vector}` : e.kind === 'sdm-send' ? signal(e) : (e.text ?? '').slice(0, 28);
                  return (
                    <g key={first + i} {...common} data-kind={e.kind} data-from={e.device} data-to={e.kind === 'server' ? e.device : e.peer}>
                      <text class="time" x="4" y={y + 4}>{label}</text>
                      <line x1={from} y1={y} x2={to} y2={y} marker-end="url(#arrow)" />
                      <rect class="hit" x={Math.min(from, to)} y={y - ROW_H / 2} width={Math.abs(to - from) || 10} height={ROW_H} />
                      <text x={(from + to) / 2} y={y - 3} text-anchor="middle">{text}</text>
                    </g>
                  );
                }
                return (
                  <g key={first + i} {...common} data-kind={e.kind} data-at={place!.from}>
                    <text class="time" x="4" y={y + 4}>{label}</text>
                    <circle cx={from} cy={y} r="5" />
                    <rect class="hit" x={from - 8} y={y - ROW_H / 2} width="120" height={ROW_H} />
                    <text x={from + 9} y={y + 4}>{markLabel(e)}</text>
                  </g>
                );
              })}
            </svg>
          )}
        </div>
      </div>
      <div class="seq-detail" role="status" aria-label="Selected event">
        {selected ? <><strong>{ms(selected.time - origin)}: {describe(selected, selectedPlace, columns)}</strong><pre>{JSON.stringify(selected, null, 1)}</pre></> : <span>Click an arrow or a mark to see it in full (the list holds still).</span>}
      </div>
    </section>
  );
}
