// Linux guests in the workbench: PCs emulated by v86, each booting Debian's i386 kernel over this
// project's ivshmem device (npm run build:linux makes the images). Two scenarios: two Linux VMs,
// and a Linux VM beside a JavaScript VM on the same server. Each Linux VM gets a terminal on its
// serial console; the exchange runs from a button or by hand with ivshmem-uio.
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { QemuError, type LinuxVm } from '../../src/index.ts';
import { AT_PROMPT, LinuxTerminal, bootState } from '../components/LinuxTerminal.tsx';
import { VmEntry } from '../app/vm-entry.ts';
import type { Workbench } from '../app/workbench.ts';
import { addVms, type Scenario } from './scenario.ts';
import mailbox from '../../programs/mailbox.ts?program';
import { MAILBOX, readMailbox } from '../../programs/mailbox.ts';

/** The legacy ivshmem with INTx (msi=off): what Linux's uio_pci_generic drives. */
const DEVICE = 'ivshmem,chardev=srv,size=1M,msi=off';
const IMAGES = { kernel: 'linux/vmlinuz', initrd: 'linux/initramfs.cpio', bios: 'linux/bios.bin', vgaBios: 'linux/vgabios.bin' };
const COMMAND_MS = 10 * 60_000;

interface Booting { vm: LinuxVm; started: number }

const linuxVms = signal<Booting[]>([]);
const exchange = signal<string>('');

async function addLinuxVm(wb: Workbench): Promise<LinuxVm> {
  const host = wb.host;
  if (!host) throw new QemuError('the workbench is not running');
  const started = performance.now();
  const vm = await host.spawn({ device: DEVICE, linux: IMAGES });
  wb.vms.value = [...wb.vms.value, new VmEntry(vm, DEVICE)];
  linuxVms.value = [...linuxVms.value, { vm, started }];
  return vm;
}

async function checkImages(): Promise<void> {
  const response = await fetch(IMAGES.kernel, { method: 'HEAD' });
  if (!response.ok) throw new QemuError('the Linux images are not built: run `npm run build:linux` (it makes them from Debian\'s packages), then reload');
}

/** Each VM in turn receives while the other sends, with the uio tool, as you would type it. */
async function exchangeLinux(a: LinuxVm, b: LinuxVm): Promise<string[]> {
  const lines: string[] = [];
  for (const [from, to] of [[a, b], [b, a]]) {
    const received = to.command('ivshmem-uio recv 60000', { timeoutMs: COMMAND_MS });
    await from.command(`ivshmem-uio send ${to.id} hello-from-${from.id}`, { timeoutMs: COMMAND_MS });
    lines.push(`VM ${to.id} ${(await received).trim()}`);
  }
  return lines;
}

/** The Linux VM sends to the JavaScript VM, whose mailbox program answers; Linux reads the answer. */
async function exchangeWithJs(linux: LinuxVm, js: number): Promise<string[]> {
  await linux.command(`ivshmem-uio send ${js} hello-from-linux`, { timeoutMs: COMMAND_MS });
  const reply = await linux.command('ivshmem-uio recv 60000', { timeoutMs: COMMAND_MS });
  return [`VM ${js} (JavaScript) got hello-from-linux`, `VM ${linux.id} ${reply.trim()}`];
}

function LinuxView({ wb }: { wb: Workbench }) {
  const [busy, setBusy] = useState(false);
  const live = linuxVms.value.filter(({ vm }) => !vm.hasEnded);
  wb.frame.value;
  const js = wb.vms.value.find((entry) => !live.some(({ vm }) => vm === entry.vm));
  const ready = live.every(({ vm }) => AT_PROMPT.test(vm.console));
  const go = async () => {
    setBusy(true);
    exchange.value = 'running...';
    try {
      const [a, b] = live.map(({ vm }) => vm);
      const lines = b ? await exchangeLinux(a, b) : await exchangeWithJs(a, js!.id);
      exchange.value = lines.join('\n');
    } catch (error) {
      exchange.value = `failed: ${(error as Error).message}`;
    }
    setBusy(false);
  };
  return (
    <section class="linux-view" aria-label="Linux VMs">
      <ul class="linux-boots" aria-label="Boots">
        {live.map(({ vm }) => <li key={vm.key}>Linux VM {vm.id}: {bootState(vm.console)}</li>)}
      </ul>
      <p>
        <button type="button" onClick={() => void go()} disabled={busy || !ready || live.length === 0}>Run the exchange</button>{' '}
        <output aria-label="exchange result">{exchange.value}</output>
      </p>
      <p class="hint">
        By hand, in a terminal: <code>ivshmem-uio info</code>, then <code>ivshmem-uio recv</code> in one VM and{' '}
        <code>ivshmem-uio send ID TEXT</code> in the other (the terminals are under the timeline). <code>lspci</code>-like facts are in <code>/sys/bus/pci/devices/0000:00:04.0/</code>.
      </p>
    </section>
  );
}

/** Each Linux VM's terminal, side by side where the page is wide enough: under the first screen. */
function LinuxTerminals({ wb }: { wb: Workbench }) {
  wb.frame.value;
  const live = linuxVms.value.filter(({ vm }) => !vm.hasEnded);
  return (
    <section class="linux-terminals" aria-label="Linux VMs' terminals">
      {live.map(({ vm, started }) => <LinuxTerminal key={vm.key} vm={vm} started={started} />)}
    </section>
  );
}

function decode(bytes: Uint8Array) {
  return [0, 1].map((id) => {
    const { from, text } = readMailbox(bytes, id);
    return { offset: id * MAILBOX, title: `mailbox of VM ${id}`, fields: [{ name: 'from', value: String(from) }, { name: 'text', value: text }] };
  });
}

const explanation = [
  'Each Linux VM is a PC emulated by v86 in its own worker, booting Debian\'s i386 kernel from an initramfs with busybox. Its ivshmem device is this page\'s device: Linux\'s configuration cycles go to its config space, its BAR0 and BAR2 accesses to its registers and to the shared memory, and its INTx line to the PC\'s interrupt controller.',
  'The device is the legacy ivshmem with msi=off, as Linux\'s own uio_pci_generic drives it: a doorbell sets IntrStatus, the line rises, uio_pci_generic masks it (Interrupt Disable) and wakes the reader of /dev/uio0; ivshmem-uio reads IntrStatus and unmasks it again through the device\'s config file. Messages go through mailboxes in BAR2 (256 bytes per peer).',
  'Booting takes some 15 s of CPU per VM (longer on a busy machine: the progress bars say where each boot is). Then press Run the exchange, or type in the terminals.',
];

/** A Linux scenario: a fresh list of Linux VMs, the images checked, then `add` starts its VMs. */
function linuxScenario(id: string, title: string, hint: string, add: (wb: Workbench) => Promise<unknown>): Scenario {
  return {
    id, title, hint, explanation,
    setup: { vectors: 1, size: '1M' },
    async start(wb) {
      linuxVms.value = [];
      exchange.value = '';
      await checkImages();
      await add(wb);
    },
    view: LinuxView,
    panel: LinuxTerminals,
    decode,
  };
}

export const linuxPair = linuxScenario('linux-pair', 'Two Linux VMs (v86)',
  'Two Linux VMs boot (watch their terminals); then Run the exchange, or type ivshmem-uio commands yourself.',
  (wb) => Promise.all([addLinuxVm(wb), addLinuxVm(wb)]));

export const linuxAndJs = linuxScenario('linux-js', 'A Linux VM and a JavaScript VM',
  'A Linux VM boots beside a JavaScript VM that answers every message; Run the exchange once the shell is up.',
  async (wb) => {
    await addLinuxVm(wb);
    await addVms(wb, DEVICE, mailbox, [{ name: 'mailbox.ts', arg: {} }]);
  });
