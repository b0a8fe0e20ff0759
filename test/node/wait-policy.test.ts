// The 'spin' wait policy (src/vm/wait-policy.ts), fed with the outcomes a guest would see, on a
// clock of the test's own that each wait moves on by what it took.
import { expect, test } from 'vitest';
import { SpinPolicy } from '../../src/vm/wait-policy.ts';

/** How a wait ends, given its spin (0 = parked at once): [elapsed ns, got an interrupt]. */
type Outcome = (spinNs: number) => [number, boolean];

function policyWithClock() {
  return { clock: { ms: 0 }, policy: new SpinPolicy() };
}

/**
 * How Guest.wait tells the policy the outcome of a wait it was given `spinNs` for: timed, what it
 * took; untimed and spun, whether it caught its interrupt spinning, or ran out (the core parked it).
 */
function end(p: { clock: { ms: number }; policy: SpinPolicy }, spinNs: number, elapsedNs: number, got: boolean): void {
  p.clock.ms += elapsedNs / 1e6;
  if (p.policy.timed) p.policy.record(elapsedNs, got, p.clock.ms);
  else if (spinNs > 0) p.policy.untimed(got && elapsedNs < spinNs, () => p.clock.ms);
}

/** One wait as Guest.wait makes it; returns the spin it was given (0: parked). */
function wait(p: { clock: { ms: number }; policy: SpinPolicy }, outcome: Outcome): number {
  const spinNs = Number(p.policy.next());
  const [elapsedNs, got] = outcome(spinNs);
  end(p, spinNs, elapsedNs, got);
  return spinNs;
}

/** Runs `waits` waits; returns how many spun. */
function drive(p: ReturnType<typeof policyWithClock>, waits: number, outcome: Outcome): number {
  let spins = 0;
  for (let i = 0; i < waits; i++) if (wait(p, outcome) > 0) spins++;
  return spins;
}

/** Parked waits (each taking `parkedNs`) until the next spin; returns [their count, the time they took in ms]. The spin is left un-recorded. */
function parkedUntilProbe(p: ReturnType<typeof policyWithClock>, parkedNs: number): [number, number] {
  const from = p.clock.ms;
  let parked = 0;
  for (;;) {
    if (Number(p.policy.next()) > 0) return [parked, p.clock.ms - from];
    parked++;
    p.clock.ms += parkedNs / 1e6;
    if (p.policy.timed) p.policy.record(parkedNs, true, p.clock.ms);
    if (parked > 1e7) throw new Error('never probes');
  }
}

/** The spin just handed out by next() runs out: the peer was not running, and answered a scheduler slice (1 ms) later. */
function runOut(p: ReturnType<typeof policyWithClock>, spinNs: number): void {
  end(p, spinNs, spinNs + 1_000_000, true);
}

/** A policy whose first spin ran out: parked, waiting for its first probe. */
function parkedPolicy(): ReturnType<typeof policyWithClock> {
  const p = policyWithClock();
  runOut(p, Number(p.policy.next()));
  return p;
}

/** `n` probes in a row fail (each after its parked time of 10 us waits): the parked time doubles n times. */
function failProbes(p: ReturnType<typeof policyWithClock>, n: number): void {
  for (let i = 0; i < n; i++) {
    parkedUntilProbe(p, 10_000);
    runOut(p, Number(p.policy.next()));
  }
}

// A peer that answers a spinner in 2 us; a parked wait costs 10 us.
const running: Outcome = (spinNs) => (spinNs > 0 ? [2_000, true] : [10_000, true]);
// A peer that is not running: every spin runs out (its answer comes a scheduler slice later), a parked wait costs 10 us.
const descheduled: Outcome = (spinNs) => (spinNs > 0 ? [spinNs + 1_000_000, true] : [10_000, true]);

test('while spinning catches the replies, every wait spins, for twice a reply plus a wake-up', () => {
  const p = policyWithClock();
  expect(drive(p, 1000, running)).toBe(1000);
  expect(p.policy.ns).toBeGreaterThan(33_000);
  expect(p.policy.ns).toBeLessThan(35_000);
  expect(p.policy.stats).toMatchObject({ spun: 1000, caught: 1000, ranOut: 0, parked: 0 });
});

test('a spin that runs out parks the following waits for 250 us of parked time (looked at every 64 waits), then probes', () => {
  const p = policyWithClock();
  drive(p, 10, running);
  runOut(p, Number(p.policy.next()));
  expect(p.policy.parking).toBe(true);
  // 10 us parked waits: 250 us is passed at the 25th, seen at the end of the 64th (timed)
  const [parked, ms] = parkedUntilProbe(p, 10_000);
  expect(parked).toBe(64);
  expect(ms).toBeGreaterThanOrEqual(0.25);
  expect(p.policy.parking).toBe(false);
  // Slow parked waits: the clock, not a count, says when: 100 us each, a probe after the first timed one.
  const q = parkedPolicy();
  expect(parkedUntilProbe(q, 100_000)[0]).toBe(64);
  // 1 ms each: still the first timed one
  const r = parkedPolicy();
  expect(parkedUntilProbe(r, 1_000_000)[0]).toBe(64);
});

test('under lasting contention, failed probes double the parked time up to 256 ms: "block" plus one spin per 256 ms', () => {
  const p = parkedPolicy();
  for (let i = 0; i < 14; i++) {
    // 0.25, 0.5, 1 ... 256 ms, up to the next timed wait (one in 64 waits of 10 us: 0.64 ms)
    const due = Math.min(0.25 * 2 ** i, 256);
    const ms = parkedUntilProbe(p, 10_000)[1];
    expect(ms).toBeGreaterThanOrEqual(due);
    expect(ms).toBeLessThan(due + 0.641);
    runOut(p, Number(p.policy.next()));
  }
  const before = p.policy.stats.spun;
  const spins = drive(p, 256_000, descheduled); // 2.56 s
  expect(spins).toBeGreaterThanOrEqual(9);
  expect(spins).toBeLessThanOrEqual(11);
  expect(p.policy.stats.spun - before).toBe(spins);
});

test('a probe spins twice as long as a parked wait costs (a parked peer answers one wake-up late), at most 200 us', () => {
  const p = parkedPolicy();
  parkedUntilProbe(p, 90_000);
  expect(Number(p.policy.next())).toBe(180_000);
  const q = parkedPolicy();
  parkedUntilProbe(q, 5_000_000);
  expect(Number(q.policy.next())).toBe(200_000);
});

test('a probe that holds 32 waits brings the pair back to spinning, and the next contention to 250 us', () => {
  const p = parkedPolicy();
  failProbes(p, 5);
  // 8 ms now; the peer is back: every wait spins again.
  expect(parkedUntilProbe(p, 10_000)[1]).toBeGreaterThanOrEqual(8);
  p.clock.ms += 0.002;
  p.policy.record(2_000, true, p.clock.ms);
  expect(drive(p, 1000, running)).toBe(1000);
  expect(p.policy.stats.probesHeld).toBe(1);
  runOut(p, Number(p.policy.next()));
  // parked waits of 10 us are known now: the clock is looked at every 12th (half of 250 us of them)
  const [, ms] = parkedUntilProbe(p, 10_000);
  expect(ms).toBeGreaterThanOrEqual(0.25);
  expect(ms).toBeLessThanOrEqual(0.25 * 1.5);
});

test('a probe that holds but spins at more than half what parking costs only halves the time to the next probe', () => {
  const p = parkedPolicy();
  failProbes(p, 5);
  parkedUntilProbe(p, 10_000); // 8 ms before this probe
  p.clock.ms += 0.006;
  p.policy.record(6_000, true, p.clock.ms);
  expect(drive(p, 100, (spinNs) => (spinNs > 0 ? [6_000, true] : [10_000, true]))).toBe(100);
  expect(p.policy.stats.probesHeld).toBe(1);
  runOut(p, Number(p.policy.next()));
  const ms = parkedUntilProbe(p, 10_000)[1];
  expect(ms).toBeGreaterThanOrEqual(4);
  expect(ms).toBeLessThan(4.641);
});

test('a probe outlives a run-out that costs a few parked waits (a late wake-up); run-outs that keep coming end it', () => {
  const p = parkedPolicy();
  parkedUntilProbe(p, 10_000);
  // A few waits in, a spin (30 us) runs out and the answer comes 5 us later: 35 us, under 4 parked waits.
  drive(p, 5, running);
  const spinNs = Number(p.policy.next());
  p.clock.ms += (spinNs + 5_000) / 1e6;
  p.policy.record(spinNs + 5_000, true, p.clock.ms);
  expect(p.policy.parking).toBe(false);
  expect(drive(p, 100, running)).toBe(100);
  expect(p.policy.stats.probesHeld).toBe(1);
  // A peer that answers every probe spin that late: spinning costs more than parking, after 4 waits.
  const q = parkedPolicy();
  parkedUntilProbe(q, 10_000);
  let spins = 0;
  while (wait(q, (n) => (n > 0 ? [n + 5_000, true] : [10_000, true])) > 0) if (++spins > 100) break;
  expect(spins).toBe(4);
  expect(q.policy.parking).toBe(true);
});

test('spun waits that catch their reply but cost more than parked waits turn into parking', () => {
  const p = parkedPolicy();
  parkedUntilProbe(p, 8_000);
  // The peer answers a spinner in 20 us (it is queued behind the spinner), a parked guest in 8 us.
  let spins = 0;
  while (wait(p, (spinNs) => (spinNs > 0 ? [20_000, true] : [8_000, true])) > 0) if (++spins > 100) break;
  expect(spins).toBe(4);
  expect(p.policy.stats.costlier).toBe(1);
  // what that failed probe cost beyond parking: 4 waits of 20 us where a parked one took 8 us
  expect(p.policy.stats.failedProbesNs).toBeCloseTo(4 * (20_000 - 8_000), 6);
  // Spun waits that cost less than parked ones go on spinning.
  const q = parkedPolicy();
  parkedUntilProbe(q, 8_000);
  expect(drive(q, 1000, (spinNs) => (spinNs > 0 ? [6_000, true] : [8_000, true]))).toBe(1000);
  expect(q.policy.stats.probesHeld).toBe(1);
  expect(q.policy.stats.failedProbesNs).toBe(0);
});

test('parked, one wait in (the parked time before the next probe / what a parked wait costs) is timed, at most one in 64, and a probe comes only after one that ended past the parked time', () => {
  const p = parkedPolicy();
  let timed = 0;
  for (let i = 0; i < 64 * 100; i++) {
    expect(p.policy.next()).toBe(0n);
    // the clock stands still: the probe's time never comes
    if (p.policy.timed) { timed++; p.policy.record(10_000, true, p.clock.ms); }
  }
  // the 64th (no parked wait timed yet), then every 12th (half of 250 us of 10 us waits) of the count: 72, 84 ... 6396
  expect(timed).toBe(1 + Math.floor((64 * 100) / 12) - Math.floor(64 / 12));
  p.clock.ms += 0.25;
  let waits = 0;
  while (!p.policy.timed || waits === 0) {
    expect(p.policy.next()).toBe(0n);
    waits++;
  }
  expect(waits).toBeLessThanOrEqual(12);
  p.policy.record(10_000, true, p.clock.ms);
  expect(p.policy.next()).toBeGreaterThan(0n);
  // Parked waits of 70 us (an idle core woken each time): once their cost is known the probe comes
  // at most half its parked time late (here 500 us, the first probe having failed), where one look
  // in 64 waits made it 4.5 ms.
  const q = parkedPolicy();
  parkedUntilProbe(q, 70_000);
  runOut(q, Number(q.policy.next()));
  const [, ms] = parkedUntilProbe(q, 70_000);
  expect(ms).toBeGreaterThanOrEqual(0.5);
  expect(ms).toBeLessThanOrEqual(0.5 * 1.5);
});

test('parked, a doorbell that finds the peer not parked (spinning or running) makes the next wait a probe', () => {
  const p = parkedPolicy();
  // (one that woke a parked peer is not reported: the peer was parked too, go on parking)
  expect(p.policy.next()).toBe(0n);
  p.policy.rangUnparked();
  expect(p.policy.next()).toBeGreaterThan(0n);
  expect(p.policy.stats.probes).toBe(1);
  p.clock.ms += 0.002;
  p.policy.record(2_000, true, p.clock.ms);
  // spinning: doorbells change nothing
  p.policy.rangUnparked();
  expect(p.policy.next()).toBeGreaterThan(0n);
  expect(p.policy.stats.probes).toBe(1);
  // once a probe has failed (contention), a peer not parked is as likely preempted: no early probe
  runOut(p, Number(p.policy.next()));
  parkedUntilProbe(p, 10_000);
  runOut(p, Number(p.policy.next())); // the probe fails
  p.policy.rangUnparked();
  expect(p.policy.next()).toBe(0n);
});

test('an idle VM spins at most 200 us, then parks at once', () => {
  const p = policyWithClock();
  // Replies that always come just before the budget runs out push it to its ceiling.
  drive(p, 200, (spinNs) => [spinNs * 0.9, true]);
  const spinNs = Number(p.policy.next());
  expect(spinNs).toBeLessThanOrEqual(200_000);
  end(p, spinNs, 5_000_000_000, false);
  expect(p.policy.next()).toBe(0n);
});

test('spinning, a spell times its first 4 waits, then one in 8; an untimed spin that runs out parks as a timed one does; a probe times every wait', () => {
  const p = policyWithClock();
  const timed: boolean[] = [];
  for (let i = 0; i < 36; i++) {
    const spinNs = Number(p.policy.next());
    timed.push(p.policy.timed);
    end(p, spinNs, 2_000, true);
  }
  expect(timed.slice(0, 4)).toEqual([true, true, true, true]);
  expect(timed.slice(4).filter(Boolean)).toHaveLength(4);
  expect(p.policy.stats).toMatchObject({ spun: 36, caught: 36, ranOut: 0 });
  // The next untimed wait runs out: the policy parks.
  let spinNs = Number(p.policy.next());
  while (p.policy.timed) {
    end(p, spinNs, 2_000, true);
    spinNs = Number(p.policy.next());
  }
  end(p, spinNs, spinNs + 1_000_000, true);
  expect(p.policy.parking).toBe(true);
  expect(p.policy.stats.ranOut).toBe(1);
  // The probe that follows times each of its 32 waits.
  parkedUntilProbe(p, 10_000);
  expect(p.policy.timed).toBe(true);
  end(p, 1, 2_000, true);
  for (let i = 1; i < 32; i++) {
    const ns = Number(p.policy.next());
    expect(p.policy.timed, `probe wait ${i}`).toBe(true);
    end(p, ns, 2_000, true);
  }
  expect(p.policy.stats.probesHeld).toBe(1);
});
