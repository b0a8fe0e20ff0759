import { describe, test } from 'vitest';
import { nodeEnv } from '../cases/case.ts';
import { allGroups } from '../cases/index.ts';

// Some cases run VM workers (a 20,000-message stream, a hostile peer waited for with 60 s budgets):
// each case gets an explicit budget above those, not the runner's 30 s default.
const BUDGET_MS = 120_000;

for (const { group, cases } of allGroups) {
  describe(group, () => {
    for (const c of cases) test(c.name, () => c.run(nodeEnv), BUDGET_MS);
  });
}
