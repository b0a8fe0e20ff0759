// The "nothing lost" run, shared by the short form in `npm test` (lost.test.ts) and the soak
// (`npm run soak`): N VMs, random rings and mask toggles for a set time, then the guarantee
// (README "Guarantees") checked per (destination, vector).
import { Host, type Vm } from '../../src/index.ts';
import { SENT_BASE, VECTORS_MAX, WORD_STOP, type LostResult } from '../programs/lost.ts';
import { machineOf } from '../../src/host.ts';

export interface LostOptions {
  vms: number;
  seconds: number;
  vectors?: number;
  seed: number;
  program?: string;
  log?: (line: string) => void;
}

export interface LostReport {
  rings: number;
  takes: number;
  maskToggles: number;
  /** per vector: rings sent to it, summed over destinations */
  perVector: { sent: number; delivered: number; taken: number }[];
  violations: string[];
}

const defaultProgram = new URL('../programs/lost.ts', import.meta.url).href;

export async function runLost(options: LostOptions): Promise<LostReport> {
  const vectors = options.vectors ?? 4;
  const log = options.log ?? (() => {});
  const host = await Host.create({ memory: `${Math.max(64, 16 + options.vms)}M` });
  try {
    const server = host.addServer({ id: 'srv', size: '1M', vectors });
    const vms: Vm[] = [];
    for (let i = 0; i < options.vms; i++) {
      vms.push(await host.spawn({
        device: `ivshmem-doorbell,chardev=srv,vectors=${vectors}`,
        program: options.program ?? defaultProgram,
        arg: { vms: options.vms, vectors, seed: options.seed },
      }));
    }
    log(`${options.vms} VMs up; ringing for ${options.seconds} s`);
    const words = new Int32Array(machineOf(host).memory.buffer, server.file.region.offset, 64 + options.vms * VECTORS_MAX);
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    Atomics.store(words, WORD_STOP, 1);
    const results = (await Promise.all(vms.map((vm) => vm.result))) as LostResult[];
    const report: LostReport = { rings: 0, takes: 0, maskToggles: 0, perVector: Array.from({ length: vectors }, () => ({ sent: 0, delivered: 0, taken: 0 })), violations: [] };
    for (const [i, r] of results.entries()) {
      report.rings += r.rings;
      report.maskToggles += r.maskToggles;
      const delivered = vms[i].counters.delivered;
      if (r.unjustified) report.violations.push(`VM ${r.id}: ${r.unjustified} interrupts taken before anything was rung to it`);
      for (let v = 0; v < vectors; v++) {
        const sent = Atomics.load(words, SENT_BASE + r.id * VECTORS_MAX + v);
        report.takes += r.takes[v];
        report.perVector[v].sent += sent;
        report.perVector[v].delivered += delivered[v];
        report.perVector[v].taken += r.takes[v];
        const at = `(destination ${r.id}, vector ${v})`;
        if (r.takes[v] > sent) report.violations.push(`${at}: ${r.takes[v]} interrupts taken for ${sent} rings`);
        if (delivered[v] > sent) report.violations.push(`${at}: ${delivered[v]} messages delivered for ${sent} rings`);
        if (r.takes[v] > delivered[v]) report.violations.push(`${at}: ${r.takes[v]} interrupts taken for ${delivered[v]} messages`);
        if (sent > 0 && r.lastSnapshot[v] !== sent) {
          report.violations.push(`${at}: ${sent} rings, but the last take saw ${r.lastSnapshot[v]}: a ring after the last take was lost`);
        }
      }
    }
    await Promise.all(vms.map((vm) => vm.terminate()));
    return report;
  } finally {
    await host.shutdown();
  }
}

export function formatReport(report: LostReport): string {
  const lines = [
    `rings ${report.rings}, interrupts taken ${report.takes}, mask toggles ${report.maskToggles}`,
    ...report.perVector.map((p, v) => `  vector ${v}: sent ${p.sent}, delivered ${p.delivered}, taken ${p.taken} (coalesced ${p.sent - p.taken})`),
    report.violations.length ? `VIOLATIONS (${report.violations.length}):` : 'no violation',
    ...report.violations.slice(0, 50).map((v) => `  ${v}`),
  ];
  return lines.join('\n');
}
