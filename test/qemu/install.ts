// The QEMU releases the comparison runs against, found or installed. QEMU 7.2 is Debian bookworm's
// qemu-system-x86, installed with apt-get (as root, waiting for apt's lock rather than failing on
// it). QEMU 10.0 is bookworm-backports' qemu-system-x86, -common and -data, downloaded with the
// machine's own mirror into a private apt state (test/qemu/apt.ts: nothing of the machine's apt is
// written, so root is not needed) and unpacked with dpkg-deb -x into a folder of its own, from
// which it runs beside 7.2 with its own firmware (-L). A failed attempt is retried.
//
// `npm run qemu:install` installs both and prints their versions. QEMU=/path picks another 7.2 and
// QEMU10=/path another 10.0 (a build that finds its own firmware); QEMU10_DIR moves the folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { codename, machineMirror, PrivateApt } from './apt.ts';

export type ReleaseName = '7.2' | '10.0';
export const RELEASES: readonly ReleaseName[] = ['7.2', '10.0'];

/** One QEMU to compare with: how to run it, and what it says it is. */
export interface Release {
  name: ReleaseName;
  binary: string;
  /** what every run of it needs first (a private install's firmware folders) */
  args: string[];
  /** its --version line */
  version: string;
}

const ATTEMPTS = 3;
const RETRY_AFTER_MS = 20_000;
const PACKAGES = ['qemu-system-x86', 'qemu-system-common', 'qemu-system-data'];
const BACKPORTS_OF = 'bookworm';

const qemu10Dir = () => process.env.QEMU10_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ivshmem-wasm', 'qemu-10.0');

/** Where each release is expected: the machine's binary for 7.2, the private folder for 10.0. */
function location(name: ReleaseName): { binary: string; args: string[] } {
  if (name === '7.2') return { binary: process.env.QEMU ?? 'qemu-system-x86_64', args: [] };
  if (process.env.QEMU10) return { binary: process.env.QEMU10, args: [] };
  const dir = qemu10Dir();
  return { binary: join(dir, 'usr/bin/qemu-system-x86_64'), args: ['-L', join(dir, 'usr/share/qemu'), '-L', '/usr/share/seabios'] };
}

/** The release where it is expected, if it runs and is that release. */
function probe(name: ReleaseName): Release | undefined {
  const { binary, args } = location(name);
  const run = spawnSync(binary, [...args, '--version'], { encoding: 'utf8' });
  const version = run.status === 0 ? run.stdout.split('\n')[0] : undefined;
  if (!version) return undefined;
  if (!version.includes(`version ${name}.`)) {
    throw new Error(`${binary} is "${version}", not QEMU ${name}: set ${name === '7.2' ? 'QEMU' : 'QEMU10'}=/path/to/a QEMU ${name} qemu-system-x86_64`);
  }
  return { name, binary, args, version };
}

function install72(): void {
  if (process.getuid?.() !== 0) throw new Error('QEMU 7.2 is not installed and this is not root: run "apt-get install -y qemu-system-x86" (or set QEMU=/path/to/qemu-system-x86_64)');
  const apt = (args: string[]) => {
    console.log(`conformance:qemu: apt-get ${args.join(' ')}`);
    const run = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${run.status ?? run.error?.message})`);
  };
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', 'qemu-system-x86']);
}

function install10(): void {
  if (process.env.QEMU10) throw new Error(`QEMU10=${process.env.QEMU10} does not run`);
  const release = codename();
  if (release !== BACKPORTS_OF) throw new Error(`QEMU 10.0 is installed from Debian ${BACKPORTS_OF}-backports, and this machine is ${release ?? 'not Debian'}: set QEMU10=/path/to/a QEMU 10.0 qemu-system-x86_64`);
  const suite = `${release}-backports`;
  const mirror = machineMirror(release);
  if (!mirror) throw new Error(`no apt source for ${release} found in /etc/apt to take ${suite} from`);
  const dir = qemu10Dir();
  mkdirSync(dirname(dir), { recursive: true });
  // Unpacked beside its final place and renamed into it, so that a run killed half-way (or two
  // runs at once) never leaves a half-made folder where the binary is looked for.
  const work = mkdtempSync(`${dir}.partial-`);
  try {
    console.log(`conformance:qemu: QEMU 10.0 from ${mirror.uri} ${suite} into ${dir} (apt's own state in a private folder; /etc/apt is not touched)`);
    const apt = new PrivateApt(join(work, 'apt'), mirror, suite);
    apt.run(['update']);
    const debs = join(work, 'debs');
    mkdirSync(debs);
    apt.run(['download', ...PACKAGES.map((p) => `${p}/${suite}`)], debs);
    const root = join(work, 'root');
    for (const deb of readdirSync(debs)) {
      const run = spawnSync('dpkg-deb', ['-x', join(debs, deb), root], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${run.stderr || run.error?.message}`);
    }
    try {
      renameSync(root, dir);
    } catch (error) {
      // another run put its copy there first
      if (!existsSync(dir)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function pause(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** The release, installed first if it is missing (retried); throws saying why it cannot be had. */
export async function ensureRelease(name: ReleaseName): Promise<Release> {
  let failure: Error | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const found = probe(name);
    if (found) return found;
    try {
      if (name === '7.2') install72();
      else install10();
      failure = undefined;
    } catch (error) {
      failure = error as Error;
      // what cannot change by trying again (not root, not Debian, a QEMU10 that does not run) is said at once
      if (/not root|is installed from|QEMU10=|no apt source/.test(failure.message)) break;
      if (attempt < ATTEMPTS) {
        console.log(`conformance:qemu: installing QEMU ${name} failed (attempt ${attempt}: ${failure.message}); again in ${RETRY_AFTER_MS / 1000} s`);
        await pause(RETRY_AFTER_MS);
      }
    }
  }
  const found = probe(name);
  if (found) return found;
  throw new Error(`QEMU ${name} is not available: ${failure?.message ?? `${location(name).binary} does not run after installing it`}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let failed = false;
  for (const name of RELEASES) {
    try {
      const release = await ensureRelease(name);
      console.log(`QEMU ${name}: ${release.binary} (${release.version})`);
    } catch (error) {
      failed = true;
      console.error((error as Error).message);
    }
  }
  process.exit(failed ? 1 : 0);
}
