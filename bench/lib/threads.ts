// Worker threads for the benchmarks, the same shape in Node and the browser: a platform gives
// `spawn(source)` (a worker running plain JavaScript source that defines `bouncer`) and `busy()`.
// This file holds what both share: a pair of bouncing workers driven batch by batch.
import { BOUNCE, type Mechanism } from './bounce.ts';

export interface BenchWorker {
  post(message: unknown, transfer?: Transferable[]): void;
  /** the next message from the worker */
  next(): Promise<unknown>;
  terminate(): Promise<void> | void;
}

export interface Platform {
  name: string;
  /** a worker running `source`; `listen` is the worker-side code's name for "on message" */
  spawn(source: string): BenchWorker;
  /** a thread that burns a core until terminated */
  busy(): BenchWorker;
  /** the OS threads behind the workers, to pin pairs to cores (bench/native/threads.ts); absent where that cannot be done */
  threads?: ThreadControl;
}

/** The OS's view of the benchmark's threads: thread IDs, their CPU time, their cores. */
export interface ThreadControl {
  /** how many cores the threads may be pinned to */
  cpus(): Promise<number>;
  /** every thread of the benchmark's process(es): [thread ID, nanoseconds run so far] */
  times(): Promise<[number, number][]>;
  /** lets thread `tid` run only on `cpus` */
  pin(tid: number, cpus: number[]): Promise<void>;
}

/** Worker-side glue, in plain JavaScript: `on(fn)` and `reply(value)` are defined by the platform. */
export const PAIR_WORKER = `${BOUNCE}
let batch;
on((message) => {
  if (message.setup) { batch = bouncer(message.setup); reply('ready'); return; }
  batch(message.rounds, reply);
});`;

export interface Pair {
  /** milliseconds for `rounds` round trips */
  batch(rounds: number): Promise<number>;
  close(): Promise<void>;
}

export async function bouncePair(platform: Platform, mechanism: Mechanism): Promise<Pair> {
  const flag = new SharedArrayBuffer(128);
  const { port1, port2 } = new MessageChannel();
  const sides = [platform.spawn(PAIR_WORKER), platform.spawn(PAIR_WORKER)];
  sides[0].post({ setup: { mechanism, flag, me: 0, port: port1 } }, [port1 as unknown as Transferable]);
  sides[1].post({ setup: { mechanism, flag, me: 1, port: port2 } }, [port2 as unknown as Transferable]);
  await Promise.all(sides.map((s) => s.next()));
  return {
    async batch(rounds) {
      const done = sides.map((s) => s.next());
      sides[1].post({ rounds });
      sides[0].post({ rounds });
      const [ms] = (await Promise.all(done)) as number[];
      return ms;
    },
    async close() {
      await Promise.all(sides.map((s) => s.terminate()));
    },
  };
}

/** Starts `n` busy threads; returns a function that stops them. */
export function busyThreads(platform: Platform, n: number): () => Promise<void> {
  const threads = Array.from({ length: n }, () => platform.busy());
  return async () => { await Promise.all(threads.map((t) => t.terminate())); };
}

/** A queue of messages turned into next(): each call takes the oldest unread message. */
export function inbox(): { push(message: unknown): void; next(): Promise<unknown> } {
  const messages: unknown[] = [];
  const waiting: ((message: unknown) => void)[] = [];
  return {
    push(message) {
      const w = waiting.shift();
      if (w) w(message); else messages.push(message);
    },
    next() {
      if (messages.length > 0) return Promise.resolve(messages.shift());
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}
