// Figure 5: the workbench's frame relay at 1080p, what Looking Glass does with ivshmem. One VM
// renders each 1920x1080 RGBA frame into the shared memory (double-buffered) and rings; the other
// takes it and rings back, which frees the buffer. Beside it, on one thread: rendering alone (the
// relay's real work: the doorbells should cost nothing next to it) and copying a frame (what a relay
// that copies, e.g. through postMessage, would add per frame). Frames per second, and GB/s.
import { Host } from '../../src/index.ts';
import { measureTable, type Table } from '../lib/stats.ts';
import { render, type FrameRelayArg } from '../../programs/frame-relay.guest.ts';
import { bufferOffset } from '../../programs/frame-relay.layout.ts';

export interface FrameRelayOptions {
  programUrl: string;
  quick: boolean;
  progress?(text: string): void;
}

const WIDTH = 1920;
const HEIGHT = 1080;
const FRAME_BYTES = WIDTH * HEIGHT * 4;

export async function frameRelayFigure(options: FrameRelayOptions): Promise<Table[]> {
  const { quick } = options;
  const frames = quick ? 30 : 120;
  const host = await Host.create({ memory: '64M' });
  try {
    host.addServer({ id: 'srv', size: '32M', vectors: 1 });
    const device = 'ivshmem-doorbell,chardev=srv,vectors=1';
    const consumer = await host.spawn({ device });
    const producer = await host.spawn({ device });
    const relay = async () => {
      const arg = (role: FrameRelayArg['role']): FrameRelayArg => ({ role, width: WIDTH, height: HEIGHT, frames });
      const start = performance.now();
      const taken = consumer.run(options.programUrl, arg('consumer'));
      const made = await producer.run(options.programUrl, arg('producer'));
      if ((await taken) !== frames || made !== frames) throw new Error(`frames lost: made ${made}, taken ${await taken} of ${frames}`);
      return (frames * 1000) / (performance.now() - start);
    };
    const pixels = [new Uint32Array(WIDTH * HEIGHT), new Uint32Array(WIDTH * HEIGHT)];
    let t = 0;
    const renderOnly = async () => {
      const start = performance.now();
      for (let i = 0; i < frames; i++) render(pixels[i & 1], WIDTH, HEIGHT, ++t);
      return (frames * 1000) / (performance.now() - start);
    };
    const copy = async () => {
      const start = performance.now();
      for (let i = 0; i < frames; i++) pixels[(i + 1) & 1].set(pixels[i & 1]);
      return (frames * 1000) / (performance.now() - start);
    };
    if (bufferOffset(2, WIDTH, HEIGHT) > 32 << 20) throw new Error('two frames do not fit the server memory');
    options.progress?.('frame relay at 1080p');
    const fps = await measureTable({
      title: `Frame relay, ${WIDTH}x${HEIGHT} RGBA (${(FRAME_BYTES / 1e6).toFixed(1)} MB a frame)`,
      unit: 'fps',
      method: `${frames} frames per sample, rendered by one VM worker into shared memory and taken by another through ivshmem-doorbell (two doorbells a frame, 'spin' waits); the baselines on one thread`,
      rounds: quick ? 3 : 7,
      contenders: [
        { label: 'render only, one thread', sample: renderOnly },
        { label: 'frame relay through ivshmem-doorbell', sample: relay, compare: [{ to: 'render only, one thread' }] },
        { label: 'copy a frame, one thread (what a copying relay adds)', sample: copy },
      ],
    });
    const bandwidth: Table = {
      title: `Frame relay, ${WIDTH}x${HEIGHT}: frame bytes moved per second`,
      unit: 'GB/s',
      method: 'the same samples as the table above, times the frame size',
      rows: fps.rows.map((row) => ({ ...row, samples: row.samples.map((f) => (f * FRAME_BYTES) / 1e9) })),
    };
    return [fps, bandwidth];
  } finally {
    await host.shutdown();
  }
}
