// The picture: the host (this page) holding the server, its own ivshmem-client and the shared
// memory; each VM below, mapping the memory (its BAR2, or its bus's region) and connected to the server (its chardev).
// Doorbells (and virtio-sdm signals) travel as dots from the sender to the destination; a VM with
// a pending vector (rung while masked) shows it; parked, spinning and polling VMs are drawn
// differently. virtio-sdm VMs show their role, and their group's links from each slave to its
// master instead of the server and the shared memory (the SDM has neither).
import { useEffect, useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import { memoryRegions, readDevice, type DeviceState } from '../app/device-state.ts';
import { Columns, sdmLabel } from '../app/columns.ts';
import { RunnerState } from '../guest/control.ts';
import type { VmEntry } from '../app/vm-entry.ts';

const WIDE = 800;
/** a phone: a narrower picture, VMs three to a row, so nothing is cut off or shrunk to nothing */
const NARROW = 420;
const VM_Y = 215;
const ROW_STEP = 125;
const FLIGHT_MS = 700;
const PHONE = matchMedia('(max-width: 600px)');

function waitStyle(entry: VmEntry, state: DeviceState | undefined, held: boolean): { cls: string; label: string } {
  if (held) return { cls: 'held', label: 'waiting for SDM_BOOT' };
  // paused only once the runner says so: until then the program may still be ringing (an MCU that
  // holds a message for 500 ms rings its peer after the hold, then parks)
  if (entry.paused) {
    const settled = entry.state === RunnerState.Paused || entry.state === RunnerState.Done || entry.state === RunnerState.Failed || !entry.running.value;
    return settled ? { cls: 'paused', label: 'paused' } : { cls: 'pausing', label: 'pausing' };
  }
  if (state?.parked) return { cls: 'parked', label: 'parked' };
  switch (entry.state) {
    case RunnerState.Spin: return { cls: 'spinning', label: 'spinning' };
    case RunnerState.Poll: return { cls: 'polling', label: 'polling' };
    case RunnerState.Block: return { cls: 'parked', label: 'parked' };
    case RunnerState.Done: return { cls: 'done', label: 'program ended' };
    case RunnerState.Failed: return { cls: 'failed', label: 'program failed' };
    default: return entry.running.value ? { cls: 'running', label: 'running' } : { cls: 'idle', label: 'no program' };
  }
}

export function Topology({ wb }: { wb: Workbench }) {
  wb.frame.value;
  const [compact, setCompact] = useState(() => PHONE.matches);
  useEffect(() => {
    const change = () => setCompact(PHONE.matches);
    PHONE.addEventListener('change', change);
    return () => PHONE.removeEventListener('change', change);
  }, []);
  const vms = wb.vms.value;
  if (!wb.host) return <figure class="topology"><p>Starting…</p></figure>;
  const columns = new Columns(wb);
  const region = memoryRegions(wb);
  const W = compact ? NARROW : WIDE;
  const perRow = compact ? 3 : Math.max(1, vms.length);
  const H = VM_Y + 115 + (Math.ceil(vms.length / perRow) - 1) * ROW_STEP;
  const step = W / (Math.min(perRow, Math.max(1, vms.length)) + 1);
  const at = (i: number) => ({ x: compact ? (W / perRow) * ((i % perRow) + 0.5) : step * (i + 1), y: VM_Y + Math.floor(i / perRow) * ROW_STEP });
  const xOf = new Map<string, { x: number; y: number }>();
  vms.forEach((e, i) => xOf.set(columns.keyOf(e), at(i)));
  const clientId = wb.client?.id ?? -1;
  const CLIENT = { x: compact ? 105 : 130, y: 128 };
  const SERVER = { x: compact ? 105 : 130, y: 58 };
  const SHM = compact ? { x: 220, w: NARROW - 235 } : { x: 300, w: WIDE - 330 };
  xOf.set(columns.clientKey, { x: CLIENT.x, y: CLIENT.y });
  // a scenario with an ivshmem2-server (ivshmem-v2): that server, its memory, and no page client
  const v2 = wb.server2;
  const now = performance.now();
  // One dot per destination: a 2010 broadcast fans out to every other VM.
  const flights = wb.trace.last(200).filter(({ event: e }) => now - e.time < FLIGHT_MS && (e.kind === 'doorbell' || e.kind === 'server' || e.kind === 'sdm-send'))
    .flatMap(({ event, place }) => (place?.fanOut ?? (place?.to ? [place.to] : [])).map((to) => ({ event, from: place!.from, to }))).slice(-48);
  const states = vms.map((e) => (columns.sdmOf(e) ? undefined : readDevice(e)));
  // Each SDM slave's master, by its group (the master's key).
  const masters = new Map(vms.filter((e) => columns.sdmOf(e)?.master).map((e) => [e.vm.key, vms.indexOf(e)]));
  return (
    <figure class="topology" aria-label="Topology: the host, the server, the shared memory and the VMs">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${vms.length} VMs on the server; recent doorbells shown as moving dots`}>
        <rect class="host" x="4" y="4" width={W - 8} height={H - 8} rx="14" />
        <text class="label" x="18" y="24">host: this page's main thread · -accel {wb.setup.accel}</text>
        {wb.server ? <>
        <g class="server">
          <rect x={SERVER.x - (compact ? 90 : 100)} y={SERVER.y - 24} width={compact ? 180 : 200} height="48" rx="8" />
          <text x={SERVER.x} y={SERVER.y - 4} text-anchor="middle">{v2 ? 'ivshmem2-server' : 'ivshmem-server'}</text>
          <text class="small" x={SERVER.x} y={SERVER.y + 14} text-anchor="middle">{(v2 ?? wb.server)?.peerIds.length ?? 0} clients · {v2?.vectors ?? wb.setup.vectors} vectors each</text>
        </g>
        {wb.client ? (
          <g class="client">
            <rect x={CLIENT.x - (compact ? 90 : 100)} y={CLIENT.y - 18} width={compact ? 180 : 200} height="36" rx="8" />
            <text x={CLIENT.x} y={CLIENT.y + 5} text-anchor="middle">{compact ? `page's client, ID ${clientId}` : `ivshmem-client (page), ID ${clientId}`}</text>
          </g>
        ) : null}
        <g class="shm">
          <rect x={SHM.x} y="36" width={SHM.w} height="54" rx="8" />
          <text x={SHM.x + SHM.w / 2} y="60" text-anchor="middle">{compact ? `shared memory ${v2 ? `${v2.size >> 10}K` : wb.setup.size}` : `shared memory: ${v2 ? `${v2.size >> 10}K (${v2.file.path})` : `${wb.setup.size} (/dev/shm/ivshmem)`}`}</text>
          <text class="small" x={SHM.x + SHM.w / 2} y="78" text-anchor="middle">{compact ? `every VM's ${region}` : `every VM's ${region} maps these bytes`}</text>
        </g>
        </> : <text class="small" x="18" y="48">no server and no shared memory: virtio-sdm signals go device to device</text>}
        {vms.map((e, i) => {
          const { x, y: vy } = at(i);
          const sdm = columns.sdmOf(e);
          const s = states[i];
          const wait = waitStyle(e, s, sdm !== undefined && !sdm.booted);
          const pendingVectors = s?.vectors.flatMap((v, n) => (v.pending ? [n] : [])) ?? [];
          const intxPending = s !== undefined && s.intx && (s.intrStatus & s.intrMask) === 0 && s.intrStatus !== 0;
          const master = sdm && !sdm.master ? masters.get(sdm.group) : undefined;
          return (
            <g key={e.vm.key} class={`vm ${wait.cls}`} data-vm={e.id} data-role={sdm ? (sdm.master ? 'master' : 'slave') : undefined}>
              {sdm || !wb.server ? null : <line class="bar2" x1={x} y1={vy - 34} x2={Math.min(Math.max(x, SHM.x + 20), SHM.x + SHM.w - 20)} y2="90" />}
              {!sdm && (e.device.includes('srv') || e.device.includes('unix:')) ? <path class="chardev" d={`M${x},${vy - 34} Q${x},${SERVER.y + 60} ${SERVER.x + 100},${SERVER.y}`} /> : null}
              {master !== undefined ? <path class="sdm-link" d={`M${x},${vy - 34} Q${(x + at(master).x) / 2},${vy - 110} ${at(master).x},${at(master).y - 34}`} /> : null}
              <rect x={x - (compact ? 58 : 64)} y={vy - 34} width={compact ? 116 : 128} height="68" rx="10" />
              {wait.cls === 'spinning' ? <circle class="spinner" cx={x + 44} cy={vy - 20} r="7" /> : null}
              <text x={x} y={vy - 12} text-anchor="middle">{columns.label(columns.keyOf(e))}</text>
              <text class="small" x={x} y={vy + 4} text-anchor="middle">{e.model}</text>
              <text class="small state" x={x} y={vy + 20} text-anchor="middle">{wait.label}</text>
              {pendingVectors.length || intxPending ? (
                <g class="pending-badge">
                  <rect x={x - 46} y={vy + 40} width="92" height="20" rx="10" />
                  <text x={x} y={vy + 54} text-anchor="middle">{intxPending ? 'INTx masked' : `pending v${pendingVectors.join(',')}`}</text>
                </g>
              ) : null}
            </g>
          );
        })}
        {flights.map(({ event: f, from: fromKey, to: toKey }, i) => {
          const p = Math.min(1, (now - f.time) / FLIGHT_MS);
          const fp = xOf.get(fromKey);
          const tp = xOf.get(toKey);
          if (tp === undefined || (f.kind !== 'server' && fp === undefined)) return null;
          const bottom = (key: string, q: { x: number; y: number }) => (key === columns.clientKey ? { x: q.x, y: q.y + 18 } : { x: q.x, y: q.y + 34 });
          const from = f.kind === 'server' ? SERVER : bottom(fromKey, fp!);
          const to = f.kind === 'server' ? { x: tp.x, y: toKey === columns.clientKey ? CLIENT.y : tp.y - 34 } : bottom(toKey, tp);
          // A quadratic curve bowing below the VMs for doorbells and signals, straight for server
          // messages; the path is drawn, and the dot travels along it.
          const c = { x: (from.x + to.x) / 2, y: f.kind === 'server' ? (from.y + to.y) / 2 : Math.max(from.y, to.y) + 60 };
          const q = 1 - p;
          const x = q * q * from.x + 2 * q * p * c.x + p * p * to.x;
          const y = q * q * from.y + 2 * q * p * c.y + p * p * to.y;
          return (
            <g key={i}>
              <path class={`flight-path ${f.kind}`} d={`M${from.x},${from.y} Q${c.x},${c.y} ${to.x},${to.y}`} style={{ opacity: (1 - p * 0.7).toFixed(2) }} />
              <circle class={`flight ${f.kind}`} data-to={toKey} cx={x} cy={y} r="6" />
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
