// One virtio-sdm VM, live: its role and SDM id, the virtio status, its group's size, whether its
// master has booted it (and with what), and its signal counters, read from its device block every
// frame. The device has no doorbell or vectors: its signals are its guest program's business.
import type { Workbench } from '../app/workbench.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import { hex, readSdm } from '../app/device-state.ts';
import { sdmLabel } from '../app/columns.ts';

const STATUS_BITS: [number, string][] = [[1, 'ACK'], [2, 'DRIVER'], [8, 'FEATURES_OK'], [4, 'DRIVER_OK'], [64, 'NEEDS_RESET']];
const word = (n: number) => hex(n, n > 0xffff ? 8 : 4);

export function SdmPanel({ wb, entry }: { wb: Workbench; entry: VmEntry }) {
  wb.frame.value;
  if (!wb.host || entry.ended.value) return null;
  const s = readSdm(entry);
  const name = sdmLabel(s.id);
  const c = s.counters;
  return (
    <section class="vm-panel sdm" aria-label={name} data-sdm={s.id}>
      <header>
        <h3>{name}</h3>
        <span class="model">{entry.device}</span>
      </header>
      <dl class="regs">
        <dt>role</dt><dd>{s.master ? `master (SDM id 0), ${s.currentSlaves} of ${s.maxSlaves} slaves` : `slave, SDM id ${s.id}`}</dd>
        <dt>Status</dt>
        <dd>{hex(s.status, 2)} {STATUS_BITS.map(([bit, label]) => <span key={label} class={s.status & bit ? 'bit on' : 'bit'}>{label}</span>)}</dd>
        <dt>boot</dt>
        <dd data-booted={s.booted ? 'yes' : 'no'} class={s.booted ? '' : 'hot'}>
          {!entry.heldForBoot ? `running (not held back)${c.boots ? `; SDM_BOOT counted ${c.boots}x` : ''}`
            : s.booted ? `booted by the master with [${s.bootPayload.map(word).join(', ')}]` : 'held: waiting for SDM_BOOT'}
        </dd>
        <dt>signals</dt>
        <dd data-received={c.received}>sent {c.sent} · received {c.received} · boots {c.boots}</dd>
        <dt>dropped / rejected</dt><dd>{c.dropped} / {s.rejected}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="danger" onClick={() => void wb.kill(entry)}>Kill</button>
      </div>
      <p class="last-log">{entry.console.value.at(-1)?.text ?? ''}</p>
    </section>
  );
}
