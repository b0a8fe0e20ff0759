// Nothing lost (README "Guarantees"), short form: 64 VM workers ring each other at random on
// random vectors with masks toggled at random; the long form is `npm run soak`.
import { describe, expect, test } from 'vitest';
import { formatReport, runLost } from './lost-run.ts';
import { seedFor } from './seed.ts';

describe('nothing lost', () => {
  test('64 VMs, random rings and masks for 1 s: every (destination, vector) keeps the guarantee', async () => {
    const seed = seedFor('nothing lost');
    const report = await runLost({ vms: 64, seconds: 1, vectors: 4, seed });
    console.log(formatReport(report));
    expect(report.violations).toEqual([]);
    expect(report.rings).toBeGreaterThan(0);
    expect(report.takes).toBeGreaterThan(0);
  }, 120_000);
});
