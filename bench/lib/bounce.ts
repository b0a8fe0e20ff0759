// The baselines of a doorbell round trip: two workers bouncing a token with nothing in between but
// the mechanism itself (spinning on a shared word, Atomics.wait/notify, or a MessageChannel). Plain
// JavaScript source, so it carries no emulator code; Node and the browser wrap it in their workers
// (bench/lib/threads.ts). Each worker takes its setup, then batches: `{ rounds }` -> the
// milliseconds the batch took (measured by side 0, which starts each round trip).
export type Mechanism = 'spin' | 'atomics-wait' | 'postMessage';

export interface BounceSetup {
  mechanism: Mechanism;
  flag: SharedArrayBuffer;
  me: 0 | 1;
  port: MessagePort;
}

/** `bouncer(setup)` returns `batch(rounds, done)`; `done(ms)` is called when the batch is over. */
export const BOUNCE = `
function bouncer({ mechanism, flag, me, port }) {
  const other = 1 - me;
  const words = new Int32Array(flag);
  if (mechanism === 'postMessage') {
    // One handler for the worker's life: a message that arrives before this side's batch starts
    // is counted, not lost.
    let arrived = 0, left = 0, finish = null, t0 = 0;
    const step = () => {
      while (finish && arrived > 0) {
        arrived--;
        left--;
        if (me === 1 || left > 0) port.postMessage(0);
        if (left === 0) { const f = finish; finish = null; f(me === 0 ? performance.now() - t0 : 0); }
      }
    };
    port.onmessage = () => { arrived++; step(); };
    return (rounds, done) => {
      left = rounds; finish = done; t0 = performance.now();
      if (me === 0) port.postMessage(0);
      step();
    };
  }
  const spin = mechanism === 'spin';
  const GO = 16;
  return (rounds, done) => {
    // Timed from the moment both sides run: side 1 says go, side 0 waits for it without spinning,
    // so that no batch times the other worker's wake-up from its event loop (as in vm-pair.ts).
    if (me === 1) { Atomics.store(words, GO, 1); Atomics.notify(words, GO); }
    else { while (Atomics.load(words, GO) === 0) Atomics.wait(words, GO, 0); Atomics.store(words, GO, 0); }
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      if (me === 0) { Atomics.store(words, other, 1); if (!spin) Atomics.notify(words, other); }
      if (spin) { while (Atomics.load(words, me) === 0) {} }
      else { while (Atomics.load(words, me) === 0) Atomics.wait(words, me, 0); }
      Atomics.store(words, me, 0);
      if (me === 1) { Atomics.store(words, other, 1); if (!spin) Atomics.notify(words, other); }
    }
    done(me === 0 ? performance.now() - t0 : 0);
  };
}`;

/** A thread that burns its core until terminated: the "busy thread" of the contention figures. */
export const BUSY = 'for (;;) {}';
