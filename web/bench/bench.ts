// The benchmark figures in this browser, for the benchmark page and `npm run bench:browser` (which
// drives this page with Playwright and reports the tables it returns).
import { roundTripFigure } from '../../bench/figures/roundtrip.ts';
import { coreFigure } from '../../bench/figures/core.ts';
import wasmUrl from '../../build/ivshmem.wasm?url';
import { fanOutFigure } from '../../bench/figures/fan-out.ts';
import fanOut from '../../bench/programs/fan-out.ts?program';
import type { Table } from '../../bench/lib/stats.ts';
import pingPong from '../../bench/programs/ping-pong.ts?program';
import { frameRelayFigure } from '../../bench/figures/frame-relay.ts';
import { driverPathFigure } from '../../bench/figures/driver-path.ts';
import driverPath from '../../bench/programs/driver-path.ts?program';
import frameRelay from '../../programs/frame-relay.guest.ts?program';
import { browser } from './platform.ts';

export interface FigureOptions {
  quick: boolean;
  /** round trip: how many busy threads, one table each (default 0, 1, 2) */
  busy?: number[];
  /** broadcast: how many peers (default 2, 8, 64, 256; quick 2, 8, 64) */
  sizes?: number[];
}

declare global {
  interface Window {
    /** set by bench:browser (Playwright's exposeFunction): a native round trip, run by Node on this machine */
    benchNative?: (mode: 'spin' | 'eventfd', rounds: number) => Promise<number>;
    /** set by bench:browser when the native program could not be built, and why */
    benchNativeAbsent?: string;
  }
}

const native = () => {
  const sample = window.benchNative;
  if (window.benchNativeAbsent) return { absent: window.benchNativeAbsent };
  if (!sample) return { absent: 'native references are measured by `npm run bench:browser`, not in a page' };
  return { sample };
};

export const FIGURES: Record<string, (options: FigureOptions, progress: (text: string) => void) => Promise<Table[]>> = {
  roundtrip: ({ quick, busy }, progress) => roundTripFigure({
    platform: browser,
    programUrl: new URL(pingPong, location.href).href,
    quick,
    native: native(),
    busy,
    progress,
  }),
  fanout: ({ quick, sizes }, progress) => fanOutFigure({
    platform: browser.name,
    programUrl: new URL(fanOut, location.href).href,
    quick,
    sizes: sizes ?? (quick ? [2, 8, 64] : [2, 8, 64, 256]),
    progress,
  }),
  core: ({ quick }, progress) => coreFigure({
    platform: browser.name,
    quick,
    wasm: async () => (await fetch(wasmUrl)).arrayBuffer(),
    progress,
  }),
  framerelay: ({ quick }, progress) => frameRelayFigure({ programUrl: new URL(frameRelay, location.href).href, quick, progress }),
  driver: ({ quick }, progress) => driverPathFigure({
    platform: browser.name,
    programUrl: new URL(driverPath, location.href).href,
    pingPongUrl: new URL(pingPong, location.href).href,
    quick,
    threads: browser.threads,
    wasm: async () => (await fetch(wasmUrl)).arrayBuffer(),
    progress,
  }),
};
