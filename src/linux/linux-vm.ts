// A Linux VM as the host holds it: a Vm (its device, counters, trace thread, terminate) whose
// guest is a Linux kernel in v86 rather than a guest program, with its serial console: what the
// guest wrote so far, listeners for what it writes next, typing into it, and waiting for text.
import * as Comlink from 'comlink';
import type { Device } from '../device/device.ts';
import { QemuError, show } from '../errors.ts';
import { Vm, type VmLink } from '../vm/vm.ts';
import type { LinuxApi } from './protocol.ts';

/** Kept of the console's output: the last 1 MiB (a boot log is some 30 KiB). */
const CONSOLE_KEEP = 1 << 20;

/** The prompt of the images' shell (linux/init sets PS1). */
const PROMPT = 'linux# ';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Terminal control sequences (ESC [ ... letter): busybox's line editing asks for the cursor position after its prompt. */
const SEQUENCE = '\\x1b\\[[0-9;?]*[A-Za-z]';
const CONTROL = `(?:${SEQUENCE})*`;

export interface WaitForOptions {
  /** give up after this long (a QemuError saying what the console showed) */
  timeoutMs: number;
  /** look only at what the console wrote from this offset on (default: from its start) */
  since?: number;
}

export class LinuxVm extends Vm {
  private text = '';
  /** characters written before `text` starts (dropped past CONSOLE_KEEP) */
  private dropped = 0;
  private readonly listeners = new Set<(chunk: string) => void>();
  private readonly linux: Comlink.Remote<LinuxApi>;

  /** @internal Linux VMs are made by host.spawn({ linux }) */
  constructor(device: Device, memory: WebAssembly.Memory, link: VmLink) {
    super(device, memory, link, { device: '' });
    this.linux = Comlink.wrap<LinuxApi>(link.thread.endpoint);
  }

  /** @internal what the worker's serial console wrote */
  receive(chunk: string): void {
    this.text += chunk;
    if (this.text.length > CONSOLE_KEEP) {
      const cut = this.text.length - CONSOLE_KEEP;
      this.text = this.text.slice(cut);
      this.dropped += cut;
    }
    for (const listener of this.listeners) listener(chunk);
  }

  /** The serial console's output so far (its last MiB). */
  get console(): string {
    return this.text;
  }

  /** How many characters the console has written in all: an offset for waitFor's `since`. */
  get consoleLength(): number {
    return this.dropped + this.text.length;
  }

  /** Calls `listener` with each piece of output as it arrives; returns the unsubscribe. */
  onConsole(listener: (chunk: string) => void): () => void {
    if (typeof listener !== 'function') throw new QemuError(`onConsole: the listener must be a function, not ${show(listener)}`);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Types `text` on the serial console (as bytes: each character's code below 256). */
  async write(text: string): Promise<void> {
    if (typeof text !== 'string') throw new QemuError(`write: the text must be a string, not ${show(text)}`);
    if (this.hasEnded) throw new QemuError(`VM ${this.id} has ended: its console is gone`);
    await this.linux.send(text);
  }

  /**
   * Resolves with the first match of `pattern` in the console's output (from `since`), as soon as
   * the guest writes it; a QemuError after `timeoutMs`, or when the VM ends first.
   */
  waitFor(pattern: string | RegExp, options: WaitForOptions): Promise<RegExpExecArray> {
    if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) throw new QemuError(`waitFor: the pattern must be a string or a RegExp, not ${show(pattern)}`);
    if (typeof options !== 'object' || options === null || typeof options.timeoutMs !== 'number' || !(options.timeoutMs >= 0)) {
      throw new QemuError(`waitFor: options.timeoutMs must be a number of milliseconds, not ${show(options?.timeoutMs)}`);
    }
    const regexp = typeof pattern === 'string' ? new RegExp(escapeRegExp(pattern)) : new RegExp(pattern.source, pattern.flags.replace('g', ''));
    const since = options.since ?? 0;
    const look = () => {
      const from = Math.max(0, since - this.dropped);
      return regexp.exec(this.text.slice(from));
    };
    return new Promise((resolve, reject) => {
      const found = look();
      if (found) return resolve(found);
      const done = () => { clearTimeout(timer); unsubscribe(); };
      const unsubscribe = this.onConsole(() => {
        const match = look();
        if (match) { done(); resolve(match); }
      });
      const timer = setTimeout(() => {
        done();
        const tail = this.text.slice(-400);
        reject(new QemuError(`VM ${this.id}: ${String(pattern)} did not appear on its console within ${options.timeoutMs} ms; it ends with:\n${tail}`));
      }, options.timeoutMs);
    });
  }

  /**
   * Resolves once the shell's `prompt` (default: the images' `linux# `) ends the console: the
   * shell is up and idle (a boot is done once this resolves).
   */
  async untilPrompt(options: { timeoutMs: number; prompt?: string }): Promise<void> {
    await this.waitFor(new RegExp(`${escapeRegExp(options?.prompt ?? PROMPT)}${CONTROL}$`), { timeoutMs: options?.timeoutMs });
  }

  /**
   * Waits for the shell's `prompt` (default: the images' `linux# `) to end the console, types
   * `line` and a newline, and resolves with what it printed before the next prompt, without the
   * echoed line and carriage returns. One command at a time per VM.
   */
  async command(line: string, options: WaitForOptions & { prompt?: string }): Promise<string> {
    if (typeof line !== 'string' || line.includes('\n')) throw new QemuError(`command: one line of text, not ${show(line)}`);
    const escaped = escapeRegExp(options.prompt ?? PROMPT) + CONTROL;
    await this.untilPrompt(options);
    const since = this.consoleLength;
    await this.write(`${line}\n`);
    const match = await this.waitFor(new RegExp(`^[^\\n]*\\n([\\s\\S]*?)${escaped}$`), { ...options, since });
    return match[1].replace(new RegExp(SEQUENCE, 'g'), '').replace(/\r/g, '');
  }

  /** A Linux VM runs no guest program: its guest is Linux (type into its console). */
  override run(): Promise<unknown> {
    return Promise.reject(new QemuError('a Linux VM runs no guest program: its guest is Linux (use write() or command() on its console)'));
  }
}
