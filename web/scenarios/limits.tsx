// Limits: what the Doorbell decodes and what it ignores, tried one write at a time, and the 2010
// device's IVPosition before its server has answered. Each experiment says what QEMU does and
// shows what happened here (the destination's delivered counts before and after).
import { useState } from 'preact/hooks';
import { signal } from '@preact/signals';
import { addVms, type Scenario } from './scenario.ts';
import driver from '../guest/idle.guest.ts?program';
import type { Workbench } from '../app/workbench.ts';
import type { Host } from '../../src/index.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import { Op } from '../guest/control.ts';

const OLD_SOCKET = '/tmp/ivshmem-2010';
/** hosts that already have the 2010 experiment's server */
const withOldServer = new WeakSet<Host>();

interface Experiment { id: string; label: string; value: number; to: number; qemu: string }

/** What each experiment gave, by its id (the tour checks them): what it says, and whether anything was delivered. */
export const limitResults = signal<Record<string, { text: string; delivered: boolean }>>({});

const EXPERIMENTS: Experiment[] = [
  { id: 'vector-256', label: 'VM 1 writes (2 << 16) | 256', value: (2 << 16) | 256, to: 2,
    qemu: 'QEMU decodes the vector as val & 0xff (ivshmem_io_write): 256 rings vector 0. The spec says 16 bits.' },
  { id: 'absent-peer', label: 'VM 1 writes (77 << 16) | 0', value: 77 << 16, to: 77,
    qemu: 'No peer 77: QEMU checks dest against its peer table and ignores the write. Nothing is counted anywhere.' },
  { id: 'vector-too-big', label: 'VM 1 writes (2 << 16) | 5', value: (2 << 16) | 5, to: 2,
    qemu: 'VM 2 has 2 eventfds (the server\'s -n 2): vector 5 is not below that count, so the write is ignored.' },
  { id: 'intx-vector', label: 'VM 1 writes (3 << 16) | 1 to the INTx VM', value: (3 << 16) | 1, to: 3,
    qemu: 'VM 3 has pin-based interrupts: the vector is lost (IntrStatus becomes 1), but it must still be below VM 3\'s eventfd count (2) or the write is ignored.' },
];

const total = (entry: VmEntry | undefined) => (entry && !entry.ended.value ? entry.vm.counters.delivered.reduce((a, b) => a + b, 0) : 0);
const perVector = (entry: VmEntry | undefined) => (entry && !entry.ended.value ? entry.vm.counters.delivered.join(' / ') : '-');

/** Waits (without blocking the page) until the VM has carried out the page's commands. */
function acknowledged(entry: VmEntry): Promise<void> {
  return new Promise((resolve) => { const look = () => (entry.busy ? setTimeout(look, 20) : resolve()); look(); });
}

function LimitsView({ wb }: { wb: Workbench }) {
  wb.frame.value;
  const [busy, setBusy] = useState(false);
  const from = wb.entryById(1);
  const run = async (x: Experiment) => {
    if (!from) return;
    setBusy(true);
    const before = total(wb.entryById(x.to));
    from.send({ op: Op.Doorbell, a: x.value });
    await acknowledged(from);
    // A delivery lands within the destination's next wait; give it a moment to be taken.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = total(wb.entryById(x.to));
    limitResults.value = { ...limitResults.value, [x.id]: { text: `delivered to VM ${x.to}: ${before} → ${after}`, delivered: after > before } };
    setBusy(false);
  };
  const ready2010 = async () => {
    const host = wb.host;
    if (!host) return;
    setBusy(true);
    // Its own server: the 2010 device takes one eventfd per guest, the page's server hands out two.
    if (!withOldServer.has(host)) host.addServer({ id: 'old', size: '4M', vectors: 1, socket: OLD_SOCKET });
    withOldServer.add(host);
    const device = host.realize(`-ivshmem 4,unix:${OLD_SOCKET}`);
    const first = device.ivPosition;
    await device.ready;
    const later = device.ivPosition;
    device.unrealize();
    limitResults.value = { ...limitResults.value, '2010-ready': { text: `IVPosition right after realize: ${first}; once ready: ${later}`, delivered: false } };
    setBusy(false);
  };
  const results = limitResults.value;
  return (
    <section class="limits" aria-label="Limits experiments">
      <h2>Try the limits</h2>
      <p>Live: VM 2 delivered per vector {perVector(wb.entryById(2))} · VM 3 (INTx) {perVector(wb.entryById(3))}</p>
      <ul>
        {EXPERIMENTS.map((x) => (
          <li key={x.id}>
            <button type="button" disabled={busy || !from} onClick={() => void run(x)}>{x.label}</button>{' '}
            <span class="qemu">{x.qemu}</span>{' '}
            <output data-result={x.id}>{results[x.id]?.text ?? ''}</output>
          </li>
        ))}
        <li>
          <button type="button" disabled={busy} onClick={() => void ready2010()}>Realize a 2010 device on the host</button>{' '}
          <span class="qemu">The 2010 device takes its server's messages as they come: until the ID arrives, IVPosition reads -1 (QEMU before 2.6 did the same; from 2.6 the setup happens in realize).</span>{' '}
          <output data-result="2010-ready">{results['2010-ready']?.text ?? ''}</output>
        </li>
      </ul>
    </section>
  );
}

export const limits: Scenario = {
  id: 'limits',
  title: 'Limits: what the Doorbell decodes',
  hint: 'Press each experiment\'s button: VM 1 writes that value to its Doorbell, and the result says what reached the destination. 256 rings vector 0; an absent peer or a vector past the peer\'s eventfds is ignored.',
  explanation: [
    'IVPosition is a 32-bit register, but the Doorbell carries the destination in its upper 16 bits, the server\'s ID counter is 16 bits and QEMU refuses an ID above 65535: at most 65536 peers per server.',
    'The vector half is 16 bits in the spec, yet QEMU decodes val & 0xff: only vectors 0 to 255 can be rung, whatever vectors= says. A doorbell to a peer the device does not know, or to a vector not below that peer\'s eventfd count, is ignored silently, on the INTx device too.',
  ],
  setup: { vectors: 2 },
  view: LimitsView,
  async start(wb) {
    limitResults.value = {};
    await wb.untilWaiting(await addVms(wb, 'ivshmem-doorbell,chardev=srv,vectors=2', driver, [{ name: 'driver.ts' }, { name: 'driver.ts' }]));
    await wb.untilWaiting(await addVms(wb, 'ivshmem,chardev=srv,msi=off,vectors=2', driver, [{ name: 'driver.ts' }]));
  },
};
