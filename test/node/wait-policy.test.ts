// The 'spin' wait policy (src/vm/wait-policy.ts), fed with the outcomes a guest would see.
import { expect, test } from 'vitest';
import { SpinBudget } from '../../src/vm/wait-policy.ts';

/** Runs `waits` waits; `outcome(spinNs)` says how long one took and whether an interrupt came. */
function drive(budget: SpinBudget, waits: number, outcome: (spinNs: number) => [number, boolean]) {
  let spins = 0;
  for (let i = 0; i < waits; i++) {
    const spinNs = Number(budget.next());
    if (spinNs === 0) continue;
    spins++;
    budget.record(...outcome(spinNs));
  }
  return spins;
}

test('while spinning catches the replies, every wait spins, for twice a reply plus a wake-up', () => {
  const budget = new SpinBudget();
  expect(drive(budget, 1000, () => [2_000, true])).toBe(1000);
  expect(budget.ns).toBeGreaterThan(30_000);
  expect(budget.ns).toBeLessThan(40_000);
});

test('spins that keep running out turn into parking at once: 1, 3, 7 ... 16383 waits between spins', () => {
  const budget = new SpinBudget();
  const pattern: boolean[] = [];
  for (let i = 0; i < 31; i++) {
    const spinNs = Number(budget.next());
    pattern.push(spinNs > 0);
    if (spinNs > 0) budget.record(spinNs + 20_000, true);
  }
  // spin, park 1, spin, park 3, spin, park 7, spin, park 15, spin
  const expected = [true, false, true, false, false, false, true, ...Array(7).fill(false), true, ...Array(15).fill(false), true];
  expect(pattern).toEqual(expected);
  // In the long run: one spin in 16384 waits (after the runs of 31 ... 8191).
  expect(drive(budget, 16384 * 20, (spinNs) => [spinNs + 20_000, true])).toBeLessThanOrEqual(20 + 10);
  expect(budget.parking).toBeGreaterThan(0);
});

test('once the peer answers again, each caught spin shortens the parking, back to spinning every wait', () => {
  const budget = new SpinBudget();
  drive(budget, 300_000, (spinNs) => [spinNs + 20_000, true]);
  let waits = 0;
  while (budget.parking > 0 || waits < 10) {
    if (Number(budget.next()) > 0) budget.record(1_500, true);
    if (++waits > 300_000) break;
  }
  // 16383 + 14335 + 12543 + ... : about 8 x 16384 waits.
  expect(waits).toBeLessThan(8 * 16384 + 100);
  expect(drive(budget, 100, () => [1_500, true])).toBe(100);
});

test('a caught spin shortens the next parking run by an eighth: from 16383 to 14335', () => {
  const budget = new SpinBudget();
  drive(budget, 300_000, (spinNs) => [spinNs + 20_000, true]);
  while (budget.next() === 0n);
  budget.record(1_500, true);
  const spinNs = Number(budget.next());
  expect(spinNs, 'no parking right after a catch').toBeGreaterThan(0);
  budget.record(spinNs + 20_000, true);
  let parked = 0;
  while (budget.next() === 0n) parked++;
  expect(parked).toBe(14335);
});

test('an idle VM spins at most 200 us, then parks at once', () => {
  const budget = new SpinBudget();
  // Replies that always come just before the budget runs out push it to its ceiling.
  drive(budget, 200, (spinNs) => [spinNs * 0.9, true]);
  const spinNs = Number(budget.next());
  expect(spinNs).toBeLessThanOrEqual(200_000);
  budget.record(5_000_000_000, false);
  expect(budget.next()).toBe(0n);
});
