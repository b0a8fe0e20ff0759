// Debian packages for the comparison, fetched without changing the machine's apt: QEMU 10.0 comes
// from bookworm-backports, a suite this machine does not enable. Rather than a sources entry added
// to /etc/apt and removed afterwards (which a run killed half-way would leave behind, and which
// needs root and apt's lock), apt-get runs with a sources list, package lists and cache of its own
// in a private folder: the machine's configuration and its package lists are never written, so
// there is nothing to restore and no lock to wait for. The mirror and its key are the machine's
// own, read from its sources.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = '/etc/apt/sources.list';
const SOURCES_DIR = '/etc/apt/sources.list.d';
const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
/** one apt-get run's budget: a mirror that stalls fails the attempt, which is retried */
const APT_TIMEOUT_MS = 600_000;

export interface Mirror {
  uri: string;
  signedBy?: string;
}

/** The machine's Debian release (VERSION_CODENAME in /etc/os-release), or undefined off Debian. */
export function codename(): string | undefined {
  if (!existsSync('/etc/os-release')) return undefined;
  return /^VERSION_CODENAME=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]?.replace(/"/g, '');
}

/** deb822 stanzas (*.sources) and one-line entries (sources.list, *.list) as { uri, suites, signedBy }. */
function entries(): { uri: string; suites: string[]; signedBy?: string }[] {
  const out: { uri: string; suites: string[]; signedBy?: string }[] = [];
  const files = existsSync(SOURCES_DIR) ? readdirSync(SOURCES_DIR).map((f) => join(SOURCES_DIR, f)) : [];
  for (const file of [SOURCES, ...files]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1].trim();
        if (!/\bdeb\b/.test(field('Types') ?? '') || /^no$/i.test(field('Enabled') ?? '')) continue;
        const uri = field('URIs')?.split(/\s+/)[0];
        if (uri) out.push({ uri, suites: (field('Suites') ?? '').split(/\s+/), signedBy: field('Signed-By') });
      }
    } else if (file.endsWith('.list') || file === SOURCES) {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
        if (m) out.push({ uri: m[2], suites: [m[3]], signedBy: /signed-by=(\S+)/.exec(m[1] ?? '')?.[1] });
      }
    }
  }
  return out;
}

/** The mirror the machine takes its main suite from (not its security one). */
export function machineMirror(suite: string): Mirror | undefined {
  const entry = entries().find((e) => e.suites.includes(suite) && !/security/.test(e.uri));
  return entry && { uri: entry.uri, signedBy: entry.signedBy ?? (existsSync(DEFAULT_KEYRING) ? DEFAULT_KEYRING : undefined) };
}

/** apt-get with a sources list, lists and cache of its own under `dir`; throws with apt's output on failure. */
export class PrivateApt {
  private readonly options: string[];

  constructor(private readonly dir: string, mirror: Mirror, suite: string) {
    for (const sub of ['lists/partial', 'cache/archives/partial']) mkdirSync(join(dir, sub), { recursive: true });
    const list = join(dir, 'backports.sources');
    writeFileSync(list, [
      'Types: deb',
      `URIs: ${mirror.uri}`,
      `Suites: ${suite}`,
      'Components: main',
      ...(mirror.signedBy ? [`Signed-By: ${mirror.signedBy}`] : []),
      '',
    ].join('\n'));
    this.options = [
      '-o', `Dir::Etc::SourceList=${list}`,
      '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${join(dir, 'lists')}`,
      '-o', `Dir::Cache=${join(dir, 'cache')}`,
      // as root apt would hand the download to its _apt user, which cannot write a private folder
      ...(process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : []),
    ];
  }

  run(args: string[], cwd = this.dir): void {
    const run = spawnSync('apt-get', [...this.options, ...args], { cwd, encoding: 'utf8', timeout: APT_TIMEOUT_MS });
    if (run.status !== 0) {
      throw new Error(`apt-get ${args.join(' ')} failed (${run.error?.message ?? `exit ${run.status}`}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' / ')}`);
    }
  }
}
