// One list of conformance cases, run by Vitest in Node and by Playwright inside Chromium. A case
// only needs a way to make hosts; assertions use chai, which runs in both places.
import { Host, type HostOptions } from '../../src/index.ts';

export interface CaseEnv {
  host(options?: HostOptions): Promise<Host>;
  /** the URL of a guest program in test/programs */
  program(name: string): string;
}

export interface Case {
  name: string;
  run(env: CaseEnv): Promise<void> | void;
}

export interface CaseGroup {
  group: string;
  cases: Case[];
}

export const nodeEnv: CaseEnv = {
  host: (options) => Host.create({ memory: '32M', ...options }),
  program: (name) => new URL(`../programs/${name}.ts`, import.meta.url).href,
};

/** The size of a BAR as a driver measures it: write all ones, read the mask back, restore. */
export function barSize(dev: { config: { read(o: number, s: number): number | bigint; write(o: number, s: number, v: number): void } }, index: number): number {
  const at = 0x10 + index * 4;
  const old = Number(dev.config.read(at, 4));
  dev.config.write(at, 4, 0xffffffff);
  const low = Number(dev.config.read(at, 4));
  dev.config.write(at, 4, old);
  if ((low & 0x6) === 0x4) {
    const oldHigh = Number(dev.config.read(at + 4, 4));
    dev.config.write(at + 4, 4, 0xffffffff);
    const high = Number(dev.config.read(at + 4, 4));
    dev.config.write(at + 4, 4, oldHigh);
    return Number((~((BigInt(high) << 32n) | BigInt(low & ~0xf)) & 0xffffffffffffffffn) + 1n);
  }
  return ((~(low & ~0xf)) >>> 0) + 1;
}
