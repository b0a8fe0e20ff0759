// `npm run bench [-- --quick] [-- --only=roundtrip,core,...]`: every figure in Node, each printed as
// Markdown tables and written to bench/results/node-<figure>.json.
import { quickFlag, Report } from './lib/report.ts';
import { buildNative, nativeRoundTrip } from './native/native.ts';
import { node } from './node/platform.ts';
import { roundTripFigure } from './figures/roundtrip.ts';

const quick = quickFlag();
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wanted = (name: string) => !only || only.includes(name);
const busy = process.argv.find((a) => a.startsWith('--busy='))?.slice('--busy='.length).split(',').map(Number);
const progress = (text: string) => process.stderr.write(`  .. ${text}\n`);

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
};

for (const [name, figure] of Object.entries(figures)) {
  if (wanted(name)) await figure();
}
