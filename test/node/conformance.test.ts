import { describe, test } from 'vitest';
import { nodeEnv } from '../cases/case.ts';
import { allGroups } from '../cases/index.ts';

for (const { group, cases } of allGroups) {
  describe(group, () => {
    for (const c of cases) test(c.name, () => c.run(nodeEnv));
  });
}
