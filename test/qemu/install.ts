// Makes sure qemu-system-x86_64 is there: when it is missing, installs Debian's qemu-system-x86
// with apt-get (waiting for apt's lock rather than failing on it) and says so.
import { spawnSync } from 'node:child_process';
import { QEMU } from './qtest.ts';

const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];

function version(): string | undefined {
  const run = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.split('\n')[0] : undefined;
}

function apt(args: string[]): void {
  console.log(`conformance:qemu: apt-get ${args.join(' ')}`);
  const run = spawnSync('apt-get', [...LOCK_WAIT, ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${run.status ?? run.error?.message})`);
}

/** QEMU's version line, after installing it if needed. */
export function ensureQemu(): string {
  const found = version();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`${QEMU} is not installed and this is not root: run "apt-get install -y qemu-system-x86" (or set QEMU=/path/to/qemu-system-x86_64)`);
  }
  console.log(`conformance:qemu: ${QEMU} is missing; installing Debian's qemu-system-x86 with apt-get`);
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', 'qemu-system-x86']);
  const installed = version();
  if (!installed) throw new Error(`${QEMU} still does not run after installing qemu-system-x86`);
  return installed;
}
