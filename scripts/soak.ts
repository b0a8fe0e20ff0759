// npm run soak -- --vms 64 --seconds 600 [--vectors 4] [--seed N]
// The long form of test/node/lost.test.ts: N VM workers ring each other at random on random
// vectors with masks toggled at random for as long as asked; prints the totals, the per-vector
// counts and every violation of the guarantee (README "Guarantees"); exits 1 on a violation.
import { parseArgs } from 'node:util';
import { formatReport, runLost } from '../test/node/lost-run.ts';

const { values } = parseArgs({
  options: {
    vms: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '60' },
    vectors: { type: 'string', default: '4' },
    seed: { type: 'string' },
  },
});
const vms = Number(values.vms);
const seconds = Number(values.seconds);
const vectors = Number(values.vectors);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!(vms >= 1 && vms <= 256) || !(seconds > 0) || !(vectors >= 1 && vectors <= 8) || !Number.isInteger(seed)) {
  console.error('usage: npm run soak -- --vms 1..256 --seconds S [--vectors 1..8] [--seed N]');
  process.exit(2);
}
console.log(`soak: ${vms} VMs, ${vectors} vectors, ${seconds} s, seed ${seed} (rerun with --seed ${seed})`);
const start = performance.now();
const report = await runLost({ vms, seconds, vectors, seed, log: (line) => console.log(line) });
console.log(formatReport(report));
console.log(`done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
process.exit(report.violations.length ? 1 : 0);
