// npm run conformance:qemu: every scenario on real QEMU (qemu-system-x86_64 under qtest), on each
// release (7.2 and 10.0, test/qemu/install.ts finds or installs them), and on the project,
// compared access by access. Prints every difference (release, scenario, access, QEMU's value,
// the project's value) and exits non-zero on any that test/qemu/divergences.ts does not document
// for that release. `npm run conformance:qemu -- NAME` runs the scenarios whose name contains
// NAME; `--release=7.2` (or 10.0) one release only; `--trace` prints every access with every
// answer; `--skip-missing` (CI) skips with a warning a release that cannot be installed here.
import { ensureRelease, RELEASES, type Release, type ReleaseName } from './install.ts';
import { QemuBackend } from './qemu-backend.ts';
import { ProjectBackend } from './project-backend.ts';
import { scenarios } from './scenarios.ts';
import { describe, type Backend, type Scenario } from './scenario.ts';
import { documented } from './divergences.ts';
import { compareOptions } from './options-check.ts';
import { compareFlat } from './flat-check.ts';

interface Difference { release: ReleaseName; scenario: string; index: number; access: string; qemu: string; project: string; reason?: string }

async function runOn(backend: Backend, scenario: Scenario): Promise<string[]> {
  await backend.start(scenario);
  try {
    const results = [];
    for (const step of scenario.steps) results.push(await backend.step(step));
    return results;
  } finally {
    await backend.stop();
  }
}

async function releasesWanted(args: string[]): Promise<Release[]> {
  const asked = args.filter((a) => a.startsWith('--release=')).map((a) => a.slice('--release='.length));
  for (const name of asked) {
    if (!(RELEASES as readonly string[]).includes(name)) throw new Error(`--release=${name}: the releases are ${RELEASES.join(' and ')}`);
  }
  const releases: Release[] = [];
  for (const name of (asked.length ? asked : RELEASES) as ReleaseName[]) {
    try {
      const release = await ensureRelease(name);
      console.log(`conformance:qemu: QEMU ${name}: ${release.binary} (${release.version})`);
      releases.push(release);
    } catch (error) {
      if (!args.includes('--skip-missing')) throw error;
      console.log(`conformance:qemu: WARNING: ${(error as Error).message}; the comparison with QEMU ${name} is skipped`);
    }
  }
  return releases;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const trace = args.includes('--trace');
  const filter = args.find((a) => !a.startsWith('--'));
  const releases = await releasesWanted(args);
  if (releases.length === 0) {
    console.log('conformance:qemu: WARNING: no QEMU release could be had here; nothing compared');
    return 0;
  }
  const chosen = scenarios.filter((s) => !filter || s.name.includes(filter));
  const differences: Difference[] = [];
  const accesses = new Map<ReleaseName, number>(releases.map((r) => [r.name, 0]));
  const record = (release: ReleaseName, scenario: string, index: number, access: string, qemu: string, project: string) => {
    if (trace) console.log(`  QEMU ${release} #${index} ${access}: QEMU ${qemu}, project ${project}`);
    accesses.set(release, accesses.get(release)! + 1);
    if (qemu === project) return 0;
    differences.push({ release, scenario, index, access, qemu, project, reason: documented(release, scenario, access, qemu, project)?.reason });
    return 1;
  };
  for (const scenario of chosen) {
    const project = await runOn(new ProjectBackend(), scenario);
    const verdicts = [];
    for (const release of releases) {
      const qemu = await runOn(new QemuBackend(release), scenario);
      let here = 0;
      scenario.steps.forEach((step, index) => { here += record(release.name, scenario.name, index, describe(step), qemu[index], project[index]); });
      verdicts.push(`${release.name} ${here === 0 ? 'same' : `${here} differences`}`);
    }
    console.log(`${verdicts.join(', ')}  ${scenario.name} (${scenario.steps.length} accesses)`);
  }
  if (!filter || 'options'.includes(filter)) {
    const verdicts = [];
    let strings = 0;
    for (const release of releases) {
      const answers = await compareOptions(release);
      strings = answers.length;
      let here = 0;
      answers.forEach((a, index) => { here += record(release.name, 'options', index, `-device ${a.text}`, a.qemu, a.project); });
      verdicts.push(`${release.name} ${here === 0 ? 'same' : `${here} differences`}`);
    }
    console.log(`${verdicts.join(', ')}  options: the first error of each -device string (${strings} strings)`);
  }
  // ivshmem-flat is first in 10.0
  const flatReleases = releases.filter((r) => r.name !== '7.2');
  if ((!filter || 'ivshmem-flat'.includes(filter)) && flatReleases.length) {
    const verdicts = [];
    let checks = 0;
    for (const release of flatReleases) {
      const answers = compareFlat(release);
      checks = answers.length;
      let here = 0;
      answers.forEach((a, index) => { here += record(release.name, 'ivshmem-flat', index, a.access, a.qemu, a.project); });
      verdicts.push(`${release.name} ${here === 0 ? 'same' : `${here} differences`}`);
    }
    console.log(`${verdicts.join(', ')}  ivshmem-flat: its properties, region and IRQ as -device help lists them, its realize errors in the binary (${checks} checks)`);
  }
  for (const d of differences) {
    console.log(`${d.reason ? 'documented' : 'DIFFERENT '}  QEMU ${d.release}  ${d.scenario} #${d.index}: ${d.access}: QEMU ${d.qemu}, project ${d.project}`);
  }
  const reasons = new Map<string, Set<ReleaseName>>();
  for (const d of differences) if (d.reason) reasons.set(d.reason, (reasons.get(d.reason) ?? new Set()).add(d.release));
  for (const [reason, seen] of reasons) console.log(`  documented divergence (QEMU ${[...seen].join(', ')}): ${reason}`);
  let unexplained = 0;
  for (const release of releases) {
    const mine = differences.filter((d) => d.release === release.name);
    const undocumented = mine.filter((d) => !d.reason).length;
    unexplained += undocumented;
    console.log(`QEMU ${release.name}: ${chosen.length} scenarios, ${accesses.get(release.name)} accesses: ${mine.length - undocumented} documented differences, ${undocumented} undocumented`);
  }
  return unexplained === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(`conformance:qemu failed: ${error.stack ?? error.message}`);
  process.exit(2);
});
