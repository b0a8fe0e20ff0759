// A Linux VM's serial console in a real terminal (@xterm/xterm): what the guest wrote, and what
// you type goes to its ttyS0. Above it, how far the boot has come, read from the console.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import './linux-terminal.css';
import type { LinuxVm } from '../../src/index.ts';

/**
 * The shell's prompt ends the console: the boot is done and the shell idle (busybox's line
 * editing asks the terminal for the cursor position right after its prompt).
 */
export const AT_PROMPT = /ivshmem: ready[\s\S]*# (?:\x1b\[[0-9;?]*[A-Za-z])*$/;

/** The boot's stages as the console shows them, in order (linux/init prints the last two). */
const STAGES: { name: string; seen: RegExp }[] = [
  { name: 'firmware', seen: /^/ },
  { name: 'kernel', seen: /Linux version/ },
  { name: 'PCI', seen: /PCI: Probing PCI hardware/ },
  { name: 'drivers', seen: /Serial: 8250/ },
  { name: 'init', seen: /Run \/init/ },
  { name: 'uio', seen: /ivshmem: pci / },
  { name: 'shell', seen: AT_PROMPT },
];

export function bootStage(text: string): number {
  let stage = 0;
  for (let i = 0; i < STAGES.length; i++) if (STAGES[i].seen.test(text)) stage = i;
  return stage;
}

/** Where a boot is, in a word: a stage's name, or that the shell is ready. */
export function bootState(text: string): string {
  const stage = bootStage(text);
  return stage === STAGES.length - 1 ? 'shell ready' : `booting: ${STAGES[stage].name}`;
}

export function LinuxTerminal({ vm, started }: { vm: LinuxVm; started: number }) {
  const host = useRef<HTMLDivElement>(null);
  const [stage, setStage] = useState(0);
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    const terminal = new Terminal({ convertEol: false, rows: 18, cols: 90, scrollback: 5000, fontSize: 12 });
    terminal.open(host.current!);
    terminal.write(vm.console);
    const follow = () => setStage(bootStage(vm.console));
    follow();
    const off = vm.onConsole((chunk) => { terminal.write(chunk); follow(); });
    const typed = terminal.onData((data) => { void vm.write(data).catch(() => {}); });
    return () => { off(); typed.dispose(); terminal.dispose(); };
  }, [vm]);
  const done = stage === STAGES.length - 1;
  useEffect(() => {
    if (done) return;
    const timer = setInterval(() => setSeconds(Math.round((performance.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [done, started]);
  return (
    <figure class="linux-terminal" data-vm={vm.id} data-stage={STAGES[stage].name}>
      <figcaption>
        <strong>Linux VM {vm.id}</strong>{' '}
        <progress max={STAGES.length - 1} value={stage} aria-label={`VM ${vm.id} boot progress`} />{' '}
        {done ? 'shell ready: type here' : `booting: ${STAGES[stage].name} (${seconds} s)`}
      </figcaption>
      <div ref={host} class="linux-screen" aria-label={`VM ${vm.id} serial console`} />
    </figure>
  );
}
