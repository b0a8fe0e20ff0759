// The OS threads behind the round-trip figure's workers, and pinning them to cores (Linux: the
// threads' schedstat under /proc, and taskset). Two pairs of threads compared without pinning are
// compared as the scheduler happened to place them (one core handed back and forth, or a core
// each), which decides a wake-up's cost more than either pair's code; pinned, they are placed
// alike. In Node these are the benchmark process's own threads; for Chromium the harness
// (bench/browser.ts) passes the renderer processes, whose threads run the page's workers.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ThreadControl } from '../lib/threads.ts';

const run = promisify(execFile);

/** Every thread of `pids()` named as `names` says, with the nanoseconds it has run so far (schedstat's first field). */
function threadTimes(pids: () => number[], names: RegExp | undefined): [number, number][] {
  const times: [number, number][] = [];
  for (const pid of pids()) {
    let tids: string[];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; } // the process has ended
    for (const tid of tids) {
      try {
        if (names && !names.test(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim())) continue;
        times.push([Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])]);
      } catch { /* the thread has ended */ }
    }
  }
  return times;
}

/**
 * Thread control over the threads of the processes `pids()` names (those `names` matches, if
 * given: a renderer's pool threads compile and collect beside the workers, 22 ms during one
 * batch); undefined where it cannot work.
 */
export function threadControl(pids: () => number[], names?: RegExp): ThreadControl | undefined {
  if (process.platform !== 'linux') return undefined;
  try { readFileSync('/proc/self/schedstat'); } catch { return undefined; }
  return {
    cpus: async () => availableParallelism(),
    times: async () => threadTimes(pids, names),
    async pin(tid, cpus) {
      await run('taskset', ['-p', '-c', cpus.join(','), String(tid)]);
    },
  };
}

/** The renderer processes among `root`'s descendants (Chromium's page and its workers). */
export function rendererPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of stat is the parent; the command name (field 2) may hold spaces, so split after it.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch { /* gone */ }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('--type=renderer')) found.push(child);
      } catch { /* gone */ }
      walk(child);
    }
  };
  walk(root);
  return found;
}
