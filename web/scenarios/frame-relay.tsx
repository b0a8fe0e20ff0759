// The frame relay scenario and its view: a canvas showing the frame the consumer VM last took,
// read from shared memory on each animation frame, with frames per second.
import { useEffect, useRef, useState } from 'preact/hooks';
import { addVms, type Scenario } from './scenario.ts';
import type { Workbench } from '../app/workbench.ts';
import program from '../../programs/frame-relay.guest.ts?program';
import { H_BUFFER, H_CONSUMER, H_HEIGHT, H_MAGIC, H_PRODUCED, H_PRODUCER, H_TAKEN, H_WIDTH, MAGIC, bufferOffset } from '../../programs/frame-relay.layout.ts';

const WIDTH = 480;
const HEIGHT = 270;

function FrameView({ wb }: { wb: Workbench }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [fps, setFps] = useState(0);
  const shown = useRef({ frame: -1, count: 0, since: performance.now() });
  wb.frame.value;
  useEffect(() => {
    const bytes = wb.bytes;
    const c = canvas.current;
    if (!bytes || !c) return;
    const header = new Int32Array(bytes.buffer, bytes.byteOffset, 16);
    if (Atomics.load(header, H_MAGIC / 4) !== MAGIC) return;
    const taken = Atomics.load(header, H_TAKEN / 4);
    const s = shown.current;
    const now = performance.now();
    if (now - s.since >= 1000) {
      setFps(Math.round((s.count * 1000) / (now - s.since)));
      s.count = 0;
      s.since = now;
    }
    if (taken === s.frame || taken === 0) return;
    const width = Atomics.load(header, H_WIDTH / 4);
    const height = Atomics.load(header, H_HEIGHT / 4);
    const at = bufferOffset(Atomics.load(header, H_BUFFER / 4), width, height);
    if (c.width !== width) c.width = width;
    if (c.height !== height) c.height = height;
    const image = new ImageData(width, height);
    image.data.set(bytes.subarray(at, at + width * height * 4));
    c.getContext('2d')!.putImageData(image, 0, 0);
    s.count += s.frame > 0 ? taken - s.frame : 1;
    s.frame = taken;
  });
  return (
    <section class="frame-view" aria-label="Frame relay viewer">
      <canvas ref={canvas} width={WIDTH} height={HEIGHT} aria-label="the frame the consumer VM last took" />
      <p><strong data-fps={fps}>{fps} frames/s</strong> taken by the consumer ({WIDTH}x{HEIGHT} RGBA, {(WIDTH * HEIGHT * 4 / 1e6).toFixed(2)} MB a frame)</p>
    </section>
  );
}

export const frameRelay: Scenario = {
  id: 'frame-relay',
  title: 'Frame relay (Looking Glass)',
  hint: 'VM 1 renders frames into shared memory and rings VM 2, which takes each one and rings back; the canvas shows the frame VM 2 took, with frames per second.',
  explanation: [
    'Looking Glass moves a GPU-passthrough guest\'s frames to the host through ivshmem: the guest writes each frame into the shared memory and signals; the client on the other side shows it. Here VM 1 is the guest that renders, VM 2 takes each frame and frees the buffer, and the page draws what VM 2 took.',
    'Two buffers: VM 1 renders frame N into buffer N mod 2 while the viewer still shows the other one, writes the header (see the decoded view under the hex dump) and rings VM 2; it reuses a buffer only once VM 2 has written "taken" and rung back. No frame is ever copied between the VMs: only a doorbell travels.',
    'Set "at most one frame every" to 0 for the full rate; the frame relay benchmark (npm run bench) measures 1080p.',
  ],
  setup: { vectors: 1, size: '2M' },
  pace: { label: 'at most one frame every', choices: [[50, '50 ms'], [25, '25 ms'], [5, '5 ms'], [0, '0 (full speed)']] },
  async start(wb) {
    const minFrameMs = wb.pace.value;
    await addVms(wb, 'ivshmem-doorbell,chardev=srv,vectors=1', program, [
      { name: 'producer.ts', arg: { role: 'producer', width: WIDTH, height: HEIGHT, minFrameMs } },
      { name: 'consumer.ts', arg: { role: 'consumer', width: WIDTH, height: HEIGHT } },
    ]);
  },
  view: FrameView,
  decode(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 64);
    if (view.getUint32(H_MAGIC, true) !== MAGIC) return [];
    const u = (at: number) => String(view.getUint32(at, true));
    return [{
      offset: 0,
      title: 'frame relay header',
      fields: [
        { name: 'magic', value: "'FRLY'" }, { name: 'width', value: u(H_WIDTH) }, { name: 'height', value: u(H_HEIGHT) },
        { name: 'produced', value: u(H_PRODUCED) }, { name: 'buffer', value: u(H_BUFFER) }, { name: 'taken', value: u(H_TAKEN) },
        { name: 'consumer ID + 1', value: u(H_CONSUMER) }, { name: 'producer ID + 1', value: u(H_PRODUCER) },
      ],
    }];
  },
};
