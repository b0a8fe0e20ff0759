// The controls that act on everything: pause/resume every VM, the pace of scenario handlers, the
// accelerator (a new Host: the workbench starts again), and the current setup as QEMU command lines.
import { useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import { SOCKET, type Accel } from '../app/workbench.ts';
import { commandLines } from '../app/command-line.ts';

export function Toolbar({ wb, onRestart, onAccel }: { wb: Workbench; onRestart: () => void; onAccel: (accel: Accel) => void }) {
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState('');
  const text = commandLines(wb.setup, SOCKET, wb.vms.value.map((e) => ({ text: e.device, layout: e.vm.device.layout })));
  const copy = async () => {
    setShown(true);
    try {
      await navigator.clipboard.writeText(text);
      setCopied('copied to the clipboard');
    } catch {
      setCopied('select the text below and copy it');
    }
  };
  return (
    <div class="toolbar">
      <button type="button" aria-pressed={wb.paused.value} onClick={() => wb.setPaused(!wb.paused.value)}>
        {wb.paused.value ? 'Resume all' : 'Pause all'}
      </button>
      <label>hold each interrupt{' '}
        <select aria-label="hold each interrupt" value={wb.pace.value} onChange={(e) => { wb.pace.value = Number(e.currentTarget.value); onRestart(); }}>
          <option value={500}>500 ms</option>
          <option value={250}>250 ms</option>
          <option value={50}>50 ms</option>
          <option value={0}>0 (full speed)</option>
        </select>
      </label>
      <label title="What QEMU does with a doorbell that arrives before the guest has enabled MSI-X: kvm keeps it in the eventfd until the enable (irqfd), tcg drops it">accelerator{' '}
        <select aria-label="accelerator" value={wb.setup.accel} onChange={(e) => onAccel(e.currentTarget.value as Accel)}>
          <option value="tcg">tcg</option>
          <option value="kvm">kvm</option>
        </select>
      </label>
      <button type="button" onClick={onRestart}>Restart scenario</button>
      <button type="button" onClick={() => void copy()}>Copy as QEMU command line</button>
      {shown ? (
        <div class="cmdline">
          <p role="status">{copied} <button type="button" onClick={() => setShown(false)}>close</button></p>
          <pre aria-label="QEMU command lines">{text}</pre>
        </div>
      ) : null}
    </div>
  );
}
