// The shared memory as bytes, as every VM maps it (its BAR2, or its bus's own region), 256 bytes
// at a time from an offset you choose.
// Bytes written recently glow and fade; click a byte (or type its offset) to write a new value,
// as a host process with the mapping would. When the scenario knows what sits there (a frame
// header, a ring), a decoded view is shown beside it.
import { useRef, useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import type { Scenario } from '../scenarios/scenario.ts';
import { memoryRegions } from '../app/device-state.ts';

const ROWS = 16;
const COLS = 16;
const SPAN = ROWS * COLS;
const GLOW_MS = 1500;

export function HexView({ wb, scenario }: { wb: Workbench; scenario: Scenario }) {
  wb.frame.value;
  const at = scenario.memoryAt ?? 0;
  const [base, setBase] = useState(at - (at % COLS));
  const [jump, setJump] = useState(`0x${at.toString(16)}`);
  const [editAt, setEditAt] = useState('0x0');
  const [editValue, setEditValue] = useState('ff');
  const [message, setMessage] = useState('');
  const last = useRef<{ base: number; bytes: Uint8Array; changed: Float64Array } | undefined>(undefined);
  const bytes = wb.bytes;
  if (!bytes) return null;
  const size = bytes.length;
  const region = memoryRegions(wb);
  const start = Math.min(base, Math.max(0, size - SPAN));
  const now = performance.now();
  const window = bytes.slice(start, start + SPAN);
  let memo = last.current;
  if (!memo || memo.base !== start) {
    memo = { base: start, bytes: window, changed: new Float64Array(SPAN).fill(-Infinity) };
  } else {
    for (let i = 0; i < SPAN; i++) if (window[i] !== memo.bytes[i]) memo.changed[i] = now;
    memo.bytes = window;
  }
  last.current = memo;
  const parse = (text: string) => (text.trim().toLowerCase().startsWith('0x') ? parseInt(text, 16) : Number(text));
  const go = (event: Event) => {
    event.preventDefault();
    const at = parse(jump);
    if (!Number.isInteger(at) || at < 0 || at >= size) {
      setMessage(`offset ${jump} is outside the shared memory (0 to 0x${(size - 1).toString(16)})`);
      return;
    }
    setMessage('');
    setBase(at - (at % COLS));
  };
  const write = (event: Event) => {
    event.preventDefault();
    const at = parse(editAt);
    const value = parseInt(editValue, 16);
    if (!Number.isInteger(at) || at < 0 || at >= size) return setMessage(`offset ${editAt} is outside the shared memory`);
    if (!/^[0-9a-f]{1,2}$/i.test(editValue.trim()) || !(value >= 0 && value <= 255)) return setMessage(`${editValue} is not a byte in hex (00 to ff)`);
    setMessage('');
    Atomics.store(bytes, at, value);
  };
  // ivshmem-v2's sections (state table, R/W section, each peer's output section), drawn on the bytes
  const sections = scenario.sections?.() ?? [];
  const sectionAt = (offset: number) => sections.find((x) => offset >= x.offset && offset < x.offset + x.size);
  return (
    <section class="hex" aria-label={`Shared memory (${region})`}>
      <h2>Shared memory ({region}), {formatSize(size)}</h2>
      <div class="hex-controls">
        <form onSubmit={go}>
          <label>offset <input class="mono" size={10} value={jump} onInput={(e) => setJump(e.currentTarget.value)} aria-label="jump to offset" /></label>
          <button type="submit">Go</button>
        </form>
        <form onSubmit={write}>
          <label>write at <input class="mono" size={10} value={editAt} onInput={(e) => setEditAt(e.currentTarget.value)} aria-label="write at offset" /></label>
          <label>byte <input class="mono" size={3} value={editValue} onInput={(e) => setEditValue(e.currentTarget.value)} aria-label="byte value (hex)" /></label>
          <button type="submit">Write</button>
        </form>
        <span class="error" role="status">{message}</span>
      </div>
      {sections.length ? (
        <ul class="hex-sections" aria-label="Sections">
          {sections.map((x) => (
            <li key={x.offset}>
              <button type="button" class={`sec-${x.kind}${x.peer !== undefined ? ` sec-peer-${x.peer}` : ''}`} onClick={() => { setJump(`0x${x.offset.toString(16)}`); setBase(x.offset); }}>
                {x.label}
              </button> <small class="mono">0x{x.offset.toString(16)}, {formatSize(x.size)}</small>
            </li>
          ))}
        </ul>
      ) : null}
      <div class="hex-body">
        <table class="hexdump" aria-label={`bytes 0x${start.toString(16)} to 0x${(start + SPAN - 1).toString(16)}`}>
          <tbody>
            {Array.from({ length: ROWS }, (_, r) => (
              <tr key={r}>
                <th scope="row">{(start + r * COLS).toString(16).padStart(6, '0')}</th>
                {Array.from({ length: COLS }, (_, c) => {
                  const i = r * COLS + c;
                  const age = now - memo!.changed[i];
                  const glow = age < GLOW_MS ? 1 - age / GLOW_MS : 0;
                  const section = sectionAt(start + i);
                  const drawn = section ? ` sec-${section.kind}${section.peer !== undefined ? ` sec-peer-${section.peer}` : ''}` : '';
                  return (
                    <td key={c} data-offset={start + i} data-section={section?.label} title={section?.label}
                      class={(glow > 0 ? 'hot' : window[i] ? '' : 'zero') + drawn}
                      style={glow > 0 ? { '--glow': glow.toFixed(2) } : undefined}
                      onClick={() => { setEditAt(`0x${(start + i).toString(16)}`); setEditValue(window[i].toString(16).padStart(2, '0')); }}>
                      {window[i].toString(16).padStart(2, '0')}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        <DecodedView wb={wb} scenario={scenario} />
      </div>
    </section>
  );
}

function formatSize(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

/** What the scenario keeps in the shared memory, decoded (beside the bytes, or as a scenario's key figure). */
export function DecodedView({ wb, scenario }: { wb: Workbench; scenario: Scenario }) {
  wb.frame.value;
  const bytes = wb.bytes;
  const decoded = bytes ? scenario.decode?.(bytes) ?? [] : [];
  if (!decoded.length) return null;
  return (
    <div class="decoded" aria-label="Decoded">
      {decoded.map((d) => (
        <div key={d.offset}>
          <h3>{d.title} <small>at 0x{d.offset.toString(16)}</small></h3>
          <dl>{d.fields.map((f) => <><dt>{f.name}</dt><dd>{f.value}</dd></>)}</dl>
        </div>
      ))}
    </div>
  );
}
