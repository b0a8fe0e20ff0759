// Placing a pair of threads on cores, for the round-trip figure's "placed alike" tables. A pair's
// two sides are found among the threads born while the figure created its pairs as the two
// that ran most during a batch of it (the other pairs wait for their next batch meanwhile; a VM
// host keeps a spare worker, started with one pair and used by the next, which stays idle); then
// both are pinned to one core, or each to a core of its own.
import type { ThreadControl } from './threads.ts';

/** The thread IDs running now. */
export async function threadIds(control: ThreadControl): Promise<Set<number>> {
  return new Set((await control.times()).map(([tid]) => tid));
}

/**
 * The pair's two threads among `candidates`: the two that ran most during `batch()`, provided the
 * third ran less than half as long as the second (else which two they are is a guess), or why
 * they could not be told apart.
 */
export async function pairThreads(control: ThreadControl, candidates: Iterable<number>, batch: () => Promise<unknown>): Promise<[number, number] | string> {
  const before = new Map(await control.times());
  await batch();
  const after = new Map(await control.times());
  const ran = [...candidates].map((tid) => [tid, (after.get(tid) ?? 0) - (before.get(tid) ?? 0)] as const).sort((a, b) => b[1] - a[1]);
  const running = ran.filter(([, ns]) => ns > 0).length;
  if (running < 2) return `${running} of the candidate threads ran during a batch of it, not 2`;
  if (ran.length > 2 && ran[2][1] * 2 > ran[1][1]) return `three of its threads ran during a batch (${ran.map(([, ns]) => `${(ns / 1e6).toFixed(1)} ms`).join(', ')})`;
  return [ran[0][0], ran[1][0]];
}

/** Pins the pairs' threads: each pair's two to `cpus[0]` and `cpus[1]` (the same core twice: one core for both). */
export async function pinPairs(control: ThreadControl, pairs: [number, number][], cpus: [number[], number[]]): Promise<void> {
  for (const [a, b] of pairs) {
    await control.pin(a, cpus[0]);
    await control.pin(b, cpus[1]);
  }
}
