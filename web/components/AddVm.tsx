// Adding a VM: a model, and the option string as QEMU takes it (-device ..., or the 2010 patch's
// -ivshmem). A bad string gets QEMU's own error, shown where it was typed.
import { useState } from 'preact/hooks';
import type { Workbench } from '../app/workbench.ts';
import type { VmEntry } from '../app/vm-entry.ts';
import { SOCKET } from '../app/workbench.ts';
import idle from '../guest/idle.guest.ts?program';

export const MODEL_TEMPLATES: Record<string, (vectors: number) => string> = {
  'ivshmem-doorbell': (n) => `ivshmem-doorbell,chardev=srv,vectors=${n}`,
  'ivshmem (legacy, MSI-X)': (n) => `ivshmem,chardev=srv,vectors=${n}`,
  'ivshmem (legacy, INTx)': () => 'ivshmem,chardev=srv,msi=off',
  'ivshmem-plain': () => 'ivshmem-plain,memdev=hmb',
  'ivshmem-2010': () => `-ivshmem 4,unix:${SOCKET}`,
  // its shmem-size (4 MiB unless said) must be the server's size
  'ivshmem-flat': () => 'ivshmem-flat,chardev=srv',
};

/** `withDriver`: start the VM running the usual driver (the workbench); else nothing (the playground). */
export function AddVm({ wb, withDriver = true, onAdded }: { wb: Workbench; withDriver?: boolean; onAdded?: (entry: VmEntry) => void }) {
  const [model, setModel] = useState('ivshmem-doorbell');
  const [text, setText] = useState(MODEL_TEMPLATES['ivshmem-doorbell'](wb.setup.vectors));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const entry = await wb.addVm(text, withDriver ? { kind: 'url', url: idle, name: 'driver.ts' } : undefined);
      onAdded?.(entry);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="add-vm" onSubmit={submit} aria-label="Add a VM">
      <label>model{' '}
        <select value={model} onChange={(e) => {
          const m = e.currentTarget.value;
          setModel(m);
          setText(MODEL_TEMPLATES[m](wb.setup.vectors));
          setError(undefined);
        }}>
          {Object.keys(MODEL_TEMPLATES).map((m) => <option key={m}>{m}</option>)}
        </select>
      </label>
      <label class="grow">-device{' '}
        <input class="mono" value={text} spellcheck={false} aria-invalid={error ? 'true' : 'false'} aria-describedby="add-vm-error"
          onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy}>Add VM</button>
      <p id="add-vm-error" class="error" role="status">{error ? `qemu-system-x86_64: -device ${text}: ${error}` : ''}</p>
    </form>
  );
}
