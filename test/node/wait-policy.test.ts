import { expect, test } from 'vitest';
import { SpinBudget } from '../../src/vm/wait-policy.ts';

test('while replies come fast the budget covers a reply and a wake-up; idle, it falls to the minimum', () => {
  const budget = new SpinBudget();
  for (let i = 0; i < 50; i++) budget.record(2_000, true);
  expect(budget.ns).toBeGreaterThan(30_000);
  expect(budget.ns).toBeLessThan(40_000);
  budget.record(60_000, true);
  expect(budget.ns, 'one late reply (the peer parked) raises it').toBeGreaterThan(50_000);
  for (let i = 0; i < 10; i++) budget.record(5_000_000, true);
  expect(budget.ns, 'interrupts far apart: park at once').toBe(2_000);
  for (let i = 0; i < 10; i++) budget.record(10_000_000, false);
  expect(budget.ns).toBe(2_000);
});
