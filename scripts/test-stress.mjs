// `npm run test:stress [-- --runs N --burners K]`: the whole suite, N times in a row (default 5),
// each with K processes (default 2) burning a CPU core beside it, as a loaded CI machine would.
// Prints each run's outcome and exits non-zero unless every run passed.
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, burners: { type: 'string', default: '2' } } });
const runs = Number(values.runs);
const burners = Number(values.burners);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(burners) || burners < 0) {
  console.error('usage: npm run test:stress -- [--runs N>=1] [--burners K>=0]');
  process.exit(2);
}

const burning = Array.from({ length: burners }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
const stop = () => { for (const b of burning) b.kill('SIGKILL'); };
process.on('SIGINT', () => { stop(); process.exit(130); });

let passed = 0;
for (let run = 1; run <= runs; run++) {
  const start = Date.now();
  const { status } = spawnSync('npm', ['test'], { stdio: 'inherit', env: { ...process.env, CI: process.env.CI ?? '' } });
  const seconds = ((Date.now() - start) / 1000).toFixed(0);
  console.log(`\ntest:stress run ${run}/${runs}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${seconds} s beside ${burners} busy processes\n`);
  if (status === 0) passed++;
}
stop();
console.log(`test:stress: ${passed} of ${runs} runs passed beside ${burners} busy processes`);
process.exit(passed === runs ? 0 : 1);
