// The picture: the host (this page) holding the server, its own ivshmem-client and the shared
// memory; each VM below, mapping the memory (BAR2) and connected to the server (its chardev).
// Doorbells (and virtio-sdm signals) travel as dots from the sender to the destination; a VM with
// a pending vector (rung while masked) shows it; parked, spinning and polling VMs are drawn
// differently. virtio-sdm VMs show their role, and their group's links from each slave to its
// master instead of the server and the shared memory (the SDM has neither).
import type { Workbench } from '../app/workbench.ts';
import { readDevice, type DeviceState } from '../app/device-state.ts';
import { Columns, sdmLabel } from '../app/columns.ts';
import { RunnerState } from '../guest/control.ts';
import type { VmEntry } from '../app/vm-entry.ts';

const W = 800;
const H = 330;
const VM_Y = 215;
const FLIGHT_MS = 700;

function waitStyle(entry: VmEntry, state: DeviceState | undefined, held: boolean): { cls: string; label: string } {
  if (held) return { cls: 'held', label: 'waiting for SDM_BOOT' };
  if (entry.paused) return { cls: 'paused', label: 'paused' };
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
  const vms = wb.vms.value;
  if (!wb.host) return <figure class="topology"><p>Starting…</p></figure>;
  const columns = new Columns(wb);
  const step = W / (vms.length + 1);
  const xOf = new Map<string, number>();
  vms.forEach((e, i) => xOf.set(columns.keyOf(e), step * (i + 1)));
  const clientId = wb.client?.id ?? -1;
  const CLIENT = { x: 130, y: 128 };
  const SERVER = { x: 130, y: 58 };
  xOf.set(columns.clientKey, CLIENT.x);
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
        <g class="server">
          <rect x={SERVER.x - 100} y={SERVER.y - 24} width="200" height="48" rx="8" />
          <text x={SERVER.x} y={SERVER.y - 4} text-anchor="middle">{v2 ? 'ivshmem2-server' : 'ivshmem-server'}</text>
          <text class="small" x={SERVER.x} y={SERVER.y + 14} text-anchor="middle">{(v2 ?? wb.server)?.peerIds.length ?? 0} clients · {v2?.vectors ?? wb.setup.vectors} vectors each</text>
        </g>
        {wb.client ? (
          <g class="client">
            <rect x={CLIENT.x - 100} y={CLIENT.y - 18} width="200" height="36" rx="8" />
            <text x={CLIENT.x} y={CLIENT.y + 5} text-anchor="middle">ivshmem-client (page), ID {clientId}</text>
          </g>
        ) : null}
        <g class="shm">
          <rect x="300" y="36" width={W - 330} height="54" rx="8" />
          <text x={300 + (W - 330) / 2} y="60" text-anchor="middle">shared memory: {v2 ? `${v2.size >> 10}K (${v2.file.path})` : `${wb.setup.size} (/dev/shm/ivshmem)`}</text>
          <text class="small" x={300 + (W - 330) / 2} y="78" text-anchor="middle">every VM's BAR2 maps these bytes</text>
        </g>
        {vms.map((e, i) => {
          const x = step * (i + 1);
          const sdm = columns.sdmOf(e);
          const s = states[i];
          const wait = waitStyle(e, s, sdm !== undefined && !sdm.booted);
          const pendingVectors = s?.vectors.flatMap((v, n) => (v.pending ? [n] : [])) ?? [];
          const intxPending = s !== undefined && s.intx && (s.intrStatus & s.intrMask) === 0 && s.intrStatus !== 0;
          const master = sdm && !sdm.master ? masters.get(sdm.group) : undefined;
          return (
            <g key={e.vm.key} class={`vm ${wait.cls}`} data-vm={e.id} data-role={sdm ? (sdm.master ? 'master' : 'slave') : undefined}>
              {sdm ? null : <line class="bar2" x1={x} y1={VM_Y - 34} x2={Math.min(Math.max(x, 320), W - 50)} y2="90" />}
              {!sdm && (e.device.includes('srv') || e.device.includes('unix:')) ? <path class="chardev" d={`M${x},${VM_Y - 34} Q${x},${SERVER.y + 60} ${SERVER.x + 100},${SERVER.y}`} /> : null}
              {master !== undefined ? <path class="sdm-link" d={`M${x},${VM_Y - 34} Q${(x + step * (master + 1)) / 2},${VM_Y - 110} ${step * (master + 1)},${VM_Y - 34}`} /> : null}
              <rect x={x - 64} y={VM_Y - 34} width="128" height="68" rx="10" />
              {wait.cls === 'spinning' ? <circle class="spinner" cx={x + 50} cy={VM_Y - 20} r="7" /> : null}
              <text x={x} y={VM_Y - 12} text-anchor="middle">{sdm ? sdmLabel(sdm.id) : `VM ${e.id}`}</text>
              <text class="small" x={x} y={VM_Y + 4} text-anchor="middle">{e.model}</text>
              <text class="small state" x={x} y={VM_Y + 20} text-anchor="middle">{wait.label}</text>
              {pendingVectors.length || intxPending ? (
                <g class="pending-badge">
                  <rect x={x - 46} y={VM_Y + 40} width="92" height="20" rx="10" />
                  <text x={x} y={VM_Y + 54} text-anchor="middle">{intxPending ? 'INTx masked' : `pending v${pendingVectors.join(',')}`}</text>
                </g>
              ) : null}
            </g>
          );
        })}
        {flights.map(({ event: f, from: fromKey, to: toKey }, i) => {
          const p = Math.min(1, (now - f.time) / FLIGHT_MS);
          const fx = xOf.get(fromKey);
          const tx = xOf.get(toKey);
          if (tx === undefined || (f.kind !== 'server' && fx === undefined)) return null;
          const yOf = (key: string) => (key === columns.clientKey ? CLIENT.y + 18 : VM_Y + 34);
          const from = f.kind === 'server' ? SERVER : { x: fx!, y: yOf(fromKey) };
          const to = f.kind === 'server' ? { x: tx, y: toKey === columns.clientKey ? CLIENT.y : VM_Y - 34 } : { x: tx, y: yOf(toKey) };
          // A quadratic curve bowing below the VMs for doorbells and signals, straight for server messages.
          const cx = (from.x + to.x) / 2;
          const cy = f.kind === 'server' ? (from.y + to.y) / 2 : H + 20;
          const q = 1 - p;
          const x = q * q * from.x + 2 * q * p * cx + p * p * to.x;
          const y = q * q * from.y + 2 * q * p * cy + p * p * to.y;
          return <circle key={i} class={`flight ${f.kind}`} data-to={toKey} cx={x} cy={y} r="6" />;
        })}
      </svg>
    </figure>
  );
}
