// npm run conformance:qemu: every scenario on real QEMU (qemu-system-x86_64 under qtest) and on
// the project, compared access by access. Prints every difference (scenario, access, QEMU's
// value, the project's value) and exits non-zero on any that test/qemu/divergences.ts does not
// document. `npm run conformance:qemu -- NAME` runs the scenarios whose name contains NAME;
// `--trace` prints every access with both answers.
import { ensureQemu } from './install.ts';
import { QemuBackend } from './qemu-backend.ts';
import { ProjectBackend } from './project-backend.ts';
import { scenarios } from './scenarios.ts';
import { describe, type Scenario } from './scenario.ts';
import { documented } from './divergences.ts';
import { compareOptions } from './options-check.ts';

interface Difference { scenario: string; index: number; access: string; qemu: string; project: string; reason?: string }

async function runOn(backend: QemuBackend | ProjectBackend, scenario: Scenario): Promise<string[]> {
  await backend.start(scenario);
  try {
    const results = [];
    for (const step of scenario.steps) results.push(await backend.step(step));
    return results;
  } finally {
    await backend.stop();
  }
}

async function main(): Promise<number> {
  console.log(`conformance:qemu: ${ensureQemu()}`);
  const args = process.argv.slice(2);
  const trace = args.includes('--trace');
  const filter = args.find((a) => !a.startsWith('--'));
  const chosen = scenarios.filter((s) => !filter || s.name.includes(filter));
  const differences: Difference[] = [];
  let accesses = 0;
  for (const scenario of chosen) {
    const qemu = await runOn(new QemuBackend(), scenario);
    const project = await runOn(new ProjectBackend(), scenario);
    accesses += scenario.steps.length;
    let here = 0;
    scenario.steps.forEach((step, index) => {
      if (trace) console.log(`  #${index} ${describe(step)}: QEMU ${qemu[index]}, project ${project[index]}`);
      if (qemu[index] === project[index]) return;
      const access = describe(step);
      const known = documented(scenario.name, access, qemu[index], project[index]);
      differences.push({ scenario: scenario.name, index, access, qemu: qemu[index], project: project[index], reason: known?.reason });
      here++;
    });
    console.log(`${here === 0 ? 'same' : `${here} differences`}  ${scenario.name} (${scenario.steps.length} accesses)`);
  }
  if (!filter || 'options'.includes(filter)) {
    const answers = await compareOptions();
    let here = 0;
    answers.forEach((a, index) => {
      if (trace) console.log(`  #${index} -device ${a.text}: QEMU ${a.qemu}, project ${a.project}`);
      if (a.qemu === a.project) return;
      const access = `-device ${a.text}`;
      differences.push({ scenario: 'options', index, access, qemu: a.qemu, project: a.project, reason: documented('options', access, a.qemu, a.project)?.reason });
      here++;
    });
    accesses += answers.length;
    console.log(`${here === 0 ? 'same' : `${here} differences`}  options: the first error of each -device string (${answers.length} strings)`);
  }
  const unexplained = differences.filter((d) => !d.reason);
  for (const d of differences) {
    console.log(`${d.reason ? 'documented' : 'DIFFERENT '}  ${d.scenario} #${d.index}: ${d.access}: QEMU ${d.qemu}, project ${d.project}`);
  }
  const reasons = new Set(differences.filter((d) => d.reason).map((d) => d.reason));
  for (const reason of reasons) console.log(`  documented divergence: ${reason}`);
  console.log(`${chosen.length} scenarios, ${accesses} accesses: ${differences.length - unexplained.length} documented differences, ${unexplained.length} undocumented`);
  return unexplained.length === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(`conformance:qemu failed: ${error.stack ?? error.message}`);
  process.exit(2);
});
