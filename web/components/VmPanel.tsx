// One VM, live: its device's registers read from shared memory every frame, and the controls that
// ask its guest to act (ring, mask, reset), carried out by the guest's own driver code.
import { useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import { hex, readDevice } from '../app/device-state.ts';
import { MODES, Op } from '../guest/control.ts';

const COMMAND_BITS: [number, string][] = [[0x1, 'IO'], [0x2, 'MEM'], [0x4, 'MASTER'], [0x400, 'INTxDis']];

export function VmPanel({ wb, entry }: { wb: Workbench; entry: VmEntry }) {
  wb.frame.value;
  const [peer, setPeer] = useState<number | undefined>(undefined);
  const [vector, setVector] = useState(0);
  if (!wb.host || entry.ended.value) return null;
  const s = readDevice(entry);
  const is2010 = s.model === 'ivshmem-2010';
  const { transport, pulse } = entry.vm.device.layout;
  // VMs first, the page's own client last.
  const others = s.peers.filter((p) => p !== s.ivPosition).sort((a, b) => Number(a === wb.client?.id) - Number(b === wb.client?.id) || a - b);
  const target = peer !== undefined && (others.includes(peer) || (is2010 && peer === 255)) ? peer : others[0];
  // ivshmem-flat rings any vector the peer has an eventfd for, though its own line takes only vector 0
  const vectorMax = pulse ? (entry.vm.device.peers().find((p) => p.id === target)?.vectors ?? 1) - 1 : s.vectors.length - 1;
  const name = `VM ${s.ivPosition}`;
  const ring = () => {
    if (target === undefined) return;
    entry.send(is2010 ? { op: Op.Ring2010, a: target, b: vector } : { op: Op.Ring, a: target, b: vector });
  };
  return (
    <section class="vm-panel" aria-label={name} data-vm={s.ivPosition}>
      <header>
        <h3>{name}</h3>
        <span class="model">{s.model}</span>
        {entry.busy ? <span class="busy" title="commands wait for the guest's next wait">command queued…</span> : null}
      </header>
      <dl class="regs">
        {transport === 'pci' ? <>
          <dt>Command</dt>
          <dd>{hex(s.command, 4)} {COMMAND_BITS.map(([bit, label]) => <span key={label} class={s.command & bit ? 'bit on' : 'bit'}>{label}</span>)}</dd>
        </> : null}
        <dt>IVPosition</dt><dd>{s.ivPosition}</dd>
        {pulse ? <><dt>IRQ</dt><dd>one line, pulsed by vector 0 only</dd></> : null}
        {s.intx ? <>
          <dt>IntrMask</dt><dd>{hex(s.intrMask, is2010 ? 4 : 8)}</dd>
          <dt>IntrStatus</dt><dd class={s.intrStatus ? 'hot' : ''}>{hex(s.intrStatus, is2010 ? 4 : 8)}</dd>
          <dt>INTx line</dt><dd>{s.intxLevel ? 'asserted' : 'low'}</dd>
        </> : null}
        {is2010 ? <><dt>IVLiveList</dt><dd>{hex(s.liveList, 4)}</dd></> : null}
        {s.msix ? <>
          <dt>MSI-X</dt>
          <dd>
            <label><input type="checkbox" checked={s.msixEnabled} onChange={(e) => entry.send({ op: Op.MsixEnable, a: e.currentTarget.checked ? 1 : 0 })} /> enable</label>{' '}
            <label><input type="checkbox" checked={s.functionMask} onChange={(e) => entry.send({ op: Op.FunctionMask, a: e.currentTarget.checked ? 1 : 0 })} /> function mask</label>
          </dd>
        </> : null}
        <dt>lost / dropped</dt><dd data-dropped={s.dropped}>{s.lost} / {s.dropped}</dd>
        <SpinPolicy entry={entry} />
      </dl>
      <table class="vectors">
        <caption class="sr-only">{name} vectors</caption>
        <thead><tr><th scope="col">vector</th>{s.msix ? <><th scope="col">mask</th><th scope="col">PBA</th></> : null}<th scope="col">delivered</th></tr></thead>
        <tbody>
          {s.vectors.map((v, n) => (
            <tr key={n} class={v.pending ? 'pending' : ''}>
              <td>{n}</td>
              {s.msix ? <>
                <td><input type="checkbox" aria-label={`${name} mask vector ${n}`} checked={v.maskBit} onChange={(e) => entry.send({ op: e.currentTarget.checked ? Op.Mask : Op.Unmask, a: n })} /></td>
                <td data-pba={n}>{v.pending ? '1' : '0'}</td>
              </> : null}
              <td class="count" data-delivered={n}>{v.delivered.toLocaleString('en')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <label>{is2010 ? 'destination' : 'peer'}{' '}
          <select aria-label={`${name} ring which peer`} value={target ?? ''} onChange={(e) => setPeer(Number(e.currentTarget.value))}>
            {others.map((p) => <option key={p} value={p}>{p === wb.client?.id ? `${p} (page's client)` : `VM ${p}`}</option>)}
            {is2010 ? <option value={255}>255 (broadcast)</option> : null}
          </select>
        </label>
        <label>{is2010 ? 'value' : 'vector'}{' '}
          <input type="number" min="0" max={is2010 ? 255 : Math.max(0, vectorMax)} value={vector} aria-label={`${name} ring which vector`}
            onInput={(e) => setVector(Number(e.currentTarget.value))} />
        </label>
        <button type="button" onClick={ring} disabled={target === undefined || s.model === 'ivshmem-plain'}>Ring</button>
        <button type="button" onClick={() => entry.send({ op: Op.Reset })}>Reset</button>
        <button type="button" class="danger" onClick={() => void wb.kill(entry)}>Kill</button>
        <label>wait{' '}
          <select aria-label={`${name} wait mode`} value={entry.mode} onChange={(e) => { entry.mode = Number(e.currentTarget.value); }}>
            {MODES.map((m, i) => <option key={i} value={i}>{m || "program's"}</option>)}
          </select>
        </label>
      </div>
      <p class="last-log">{entry.console.value.at(-1)?.text ?? ''}</p>
    </section>
  );
}

/**
 * What the 'spin' wait mode has been doing in this VM (src/vm/wait-policy.ts): how many waits spun
 * and how many parked at once, and its probes (spells of spinning to see whether the peer runs
 * again). Shown once the VM has waited in that mode.
 */
function SpinPolicy({ entry }: { entry: VmEntry }) {
  const c = entry.spinCounts();
  const waits = c.spun + c.parked;
  if (waits === 0) return null;
  const n = (x: number) => x.toLocaleString('en');
  return <>
    <dt title="the 'spin' wait mode: spins while replies come fast, parks while the peer is not running">'spin' policy</dt>
    <dd data-spin-waits={waits}>
      {Math.round((100 * c.parked) / waits)} % of {n(waits)} waits parked · {n(c.spun)} spun ({n(c.caught)} caught, {n(c.ranOut)} ran out) · {n(c.probes)} probes, {n(c.probesHeld)} held
    </dd>
  </>;
}
