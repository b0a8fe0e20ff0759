// The benchmark commands' list flags (bench/lib/report.ts), which both `npm run bench` and
// `npm run bench:browser` read: `--only=`, `--busy=`, `--sizes=`.
import { expect, test } from 'vitest';
import { countsFlag, listFlag } from '../../bench/lib/report.ts';

test('a list flag gives its comma-separated values, and undefined when absent', () => {
  const argv = ['node', 'run.ts', '--only=roundtrip,core', '--busy=0,2'];
  expect(listFlag('only', argv)).toEqual(['roundtrip', 'core']);
  expect(countsFlag('busy', argv)).toEqual([0, 2]);
  expect(countsFlag('sizes', argv)).toBeUndefined();
  // a flag whose name starts another's is not taken for it
  expect(listFlag('bus', argv)).toBeUndefined();
});

test('counts must be whole numbers: anything else is an error that names the flag', () => {
  for (const bad of ['--busy=x', '--busy=1,,2', '--busy=-1', '--busy=1.5', '--busy=']) {
    expect(() => countsFlag('busy', ['node', 'run.ts', bad])).toThrow(/^--busy: expected whole numbers/);
  }
});
