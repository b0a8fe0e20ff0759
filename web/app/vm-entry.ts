// One VM of the workbench as the page sees it: the Vm (its worker), its device string, its control
// block, its program and console, and the commands the page has queued for it. Commands go one at a
// time through the control block; the next is sent once the runner has acknowledged the last.
import { signal } from '@preact/signals';
import type { Vm } from '../../src/index.ts';
import {
  SPIN_AT, SPIN_COUNTS, WORD_A, WORD_ACK_SEQ, WORD_B, WORD_CMD_SEQ, WORD_MODE, WORD_OP, WORD_PAUSED, WORD_STATE, WORD_STOP,
  controlOf, newControl, type Control, Op, RunnerState,
} from '../guest/control.ts';

export interface Command { op: Op; a?: number; b?: number }

export type Program = { kind: 'url'; url: string; arg?: unknown; name: string } | { kind: 'source'; source: string; arg?: unknown; name: string };

export class VmEntry {
  readonly buffer = newControl();
  readonly control: Control = controlOf(this.buffer);
  private readonly queue: Command[] = [];
  /** the program's log lines and errors, as they arrive */
  readonly console = signal<{ text: string; error?: boolean; line?: number }[]>([]);
  /** where the log was read up to */
  private logRead = 0;
  /** the VM has ended (killed, or its worker died) */
  readonly ended = signal(false);

  /** the program running now, if any */
  readonly running = signal<Program | undefined>(undefined);
  /** the playground's program text for this VM */
  readonly source = signal('');
  /** what the playground passes as `arg` when it runs that text (a scenario program's argument) */
  programArg: unknown;
  /**
   * The app's own program the editor was filled with (a scenario's guest program): while the text
   * is unchanged the playground runs it from its URL, where its imports resolve.
   */
  origin: { url: string; source: string } | undefined;

  /** What the playground's Run starts: the editor's text, or the unchanged program from its URL. */
  programToRun(): Program {
    const text = this.source.value;
    if (this.origin && this.origin.source === text) return { kind: 'url', url: this.origin.url, arg: this.programArg, name: 'playground.ts' };
    return { kind: 'source', source: text, name: 'playground.ts', arg: this.programArg };
  }

  constructor(
    readonly vm: Vm,
    /** the -device string it was started with */
    readonly device: string,
    /** virtio-sdm: spawned held back until an SDM_BOOT (boot: 'sdm') */
    readonly heldForBoot = false,
  ) {}

  get id(): number { return this.vm.id; }
  get model(): string { return this.vm.device.model; }

  get state(): RunnerState { return Atomics.load(this.control.words, WORD_STATE); }

  /** The 'spin' wait policy's counts as the runner last copied them (all 0 before its first 'spin' wait). */
  spinCounts(): Record<(typeof SPIN_COUNTS)[number], number> {
    return Object.fromEntries(SPIN_COUNTS.map((name, i) => [name, Atomics.load(this.control.words, SPIN_AT + i) >>> 0])) as Record<(typeof SPIN_COUNTS)[number], number>;
  }

  say(text: string, error = false, line?: number): void {
    // The program's own lines written before this (they arrive once per frame) come first.
    this.pullLog();
    this.console.value = [...this.console.value, { text, error, line }].slice(-500);
  }

  /** Moves new log lines into the console (once per frame). */
  pullLog(): void {
    const log = this.vm.log;
    if (log.length === this.logRead) return;
    const fresh = log.slice(this.logRead).map((text) => ({ text }));
    this.logRead = log.length;
    this.console.value = [...this.console.value, ...fresh].slice(-500);
  }

  send(command: Command): void {
    this.queue.push(command);
    this.pump();
  }

  /** True while commands wait for the VM (a busy program takes them at its next wait). */
  get busy(): boolean {
    const w = this.control.words;
    return this.queue.length > 0 || Atomics.load(w, WORD_CMD_SEQ) !== Atomics.load(w, WORD_ACK_SEQ);
  }

  pump(): void {
    const w = this.control.words;
    if (Atomics.load(w, WORD_CMD_SEQ) !== Atomics.load(w, WORD_ACK_SEQ)) return;
    const next = this.queue.shift();
    if (!next) return;
    w[WORD_OP] = next.op;
    w[WORD_A] = next.a ?? 0;
    w[WORD_B] = next.b ?? 0;
    Atomics.add(w, WORD_CMD_SEQ, 1);
  }

  set paused(on: boolean) {
    Atomics.store(this.control.words, WORD_PAUSED, on ? 1 : 0);
    Atomics.notify(this.control.words, WORD_PAUSED);
  }

  get paused(): boolean { return Atomics.load(this.control.words, WORD_PAUSED) !== 0; }

  set mode(mode: number) { Atomics.store(this.control.words, WORD_MODE, mode); }
  get mode(): number { return Atomics.load(this.control.words, WORD_MODE); }

  requestStop(): void {
    Atomics.store(this.control.words, WORD_STOP, 1);
    this.paused = false;
  }
}
