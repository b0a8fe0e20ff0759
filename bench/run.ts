// `npm run bench [-- --quick] [-- --only=roundtrip,fanout,core] [-- --busy=0,1,2]`: every figure in
// Node, each printed as Markdown tables and written to bench/results/node-<figure>.json.
//   roundtrip  figure 1: doorbell round trip per wait mode, 0/1/2 busy threads, beside baselines
//   fanout     figure 2: doorbell rate one way, broadcast to N parked VMs (`--sizes=2,8,64`: which N)
//   core       figure 4: register access wasm vs TypeScript, trace cost, .wasm size, spawn time
//   rings      figure 3: the message ring worker to worker beside ringbuf.js and memcpy (rings.json)
//   framerelay figure 5: the workbench's frame relay at 1080p, fps and GB/s
//   driver     figure 6: a driver's register accesses through the public API beside the core and
//              a config read (host thread, VM worker), and a driver's doorbell ping-pong
//   relay      figure 7: one SDM relay process: devices, memory, signals/s, latency, hostile clients
//   linux      figure 8: Linux guests (v86): boot, round trip through uio, BAR2 bandwidth (needs
//              npm run build:linux; not in the default run: it boots kernels for minutes)
import { countsFlag, listFlag, quickFlag, Report } from './lib/report.ts';
import { buildNative, nativeRoundTrip } from './native/native.ts';
import { node } from './node/platform.ts';
import { roundTripFigure } from './figures/roundtrip.ts';
import { coreFigure } from './figures/core.ts';
import { fanOutFigure } from './figures/fan-out.ts';
import { bundle } from './lib/bundle.ts';
import { ringsFigure } from './figures/rings.ts';
import { frameRelayFigure } from './figures/frame-relay.ts';
import { driverPathFigure } from './figures/driver-path.ts';
import { relayFigure } from './figures/relay.ts';
import { readFile } from 'node:fs/promises';
import { linuxFigure } from './figures/linux.ts';
import { linuxImages, LINUX_IMAGES_MISSING } from '../linux/images.ts';

const quick = quickFlag();
const only = listFlag('only');
const wanted = (name: string) => (!only && name !== 'linux') || !!only?.includes(name);
const busy = countsFlag('busy');
const progress = (text: string) => process.stderr.write(`  .. ${text}\n`);
const broadcastSizes = countsFlag('sizes');
/** the shipped core, as the benchmarks' raw core baseline instantiates it (bench/lib/raw-core.ts) */
const wasm = async () => {
  const bytes = await readFile(new URL('../build/ivshmem.wasm', import.meta.url));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

const figures: Record<string, () => Promise<void>> = {
  async roundtrip() {
    const report = new Report('node-roundtrip', 'Doorbell round trip between two workers (Node)', { quick });
    const absent = await buildNative();
    const tables = await roundTripFigure({
      platform: node,
      programUrl: new URL('./programs/ping-pong.ts', import.meta.url).href,
      quick,
      native: absent ? { absent } : { sample: nativeRoundTrip },
      progress,
      busy,
    });
    for (const table of tables) report.add(table);
    await report.write();
  },
  async fanout() {
    const report = new Report('node-fanout', 'Doorbell rate and broadcast (Node)', { quick });
    const sizes = broadcastSizes ?? (quick ? [2, 8, 64] : [2, 8, 64, 256, 1024]);
    // Bundled, so that 1024 peer workers do not each load a TypeScript loader to run it.
    const programUrl = (await bundle(new URL('./programs/fan-out.ts', import.meta.url))).href;
    const tables = await fanOutFigure({ platform: node.name, programUrl, quick, sizes, progress });
    for (const table of tables) report.add(table);
    await report.write();
  },
  async core() {
    const report = new Report('node-core', 'The core: register access, doorbell, trace, size, spawn (Node)', { quick });
    const tables = await coreFigure({ platform: node.name, quick, wasm, progress });
    for (const table of tables) report.add(table);
    await report.write();
  },
  async rings() {
    const report = new Report('rings', 'The message ring, worker to worker, beside ringbuf.js and memcpy (Node)', { quick });
    for (const table of await ringsFigure({ quick, progress })) report.add(table);
    await report.write();
  },
  async driver() {
    const report = new Report('node-driver', "The driver's path: register accesses and doorbell round trips through the public API (Node)", { quick });
    const tables = await driverPathFigure({
      platform: node.name,
      programUrl: new URL('./programs/driver-path.ts', import.meta.url).href,
      pingPongUrl: new URL('./programs/ping-pong.ts', import.meta.url).href,
      threads: node.threads,
      quick,
      wasm,
      progress,
    });
    for (const table of tables) report.add(table);
    await report.write();
  },
  async framerelay() {
    const report = new Report('node-framerelay', 'Frame relay at 1080p (Node)', { quick });
    const tables = await frameRelayFigure({ programUrl: new URL('../programs/frame-relay.guest.ts', import.meta.url).href, quick, progress });
    for (const table of tables) report.add(table);
    await report.write();
  },
  async relay() {
    const report = new Report('node-relay', 'One SDM relay process (Node)', { quick });
    for (const table of await relayFigure({ quick, progress })) report.add(table);
    await report.write();
  },
  async linux() {
    if (!linuxImages) throw new Error(LINUX_IMAGES_MISSING);
    const report = new Report('node-linux', 'Linux guests in v86 beside JavaScript guests (Node)', { quick });
    const tables = await linuxFigure({ images: linuxImages, programUrl: new URL('./programs/ping-pong.ts', import.meta.url).href, quick, progress });
    for (const table of tables) report.add(table);
    await report.write();
  },
};

for (const [name, figure] of Object.entries(figures)) {
  if (wanted(name)) await figure();
}
