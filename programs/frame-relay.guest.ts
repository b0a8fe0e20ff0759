// Frame relay (what Looking Glass does with ivshmem): the producer renders frames into shared
// memory, double-buffered, and rings the consumer; the consumer takes each frame and rings back.
// The page (the viewer) shows the frame the consumer took. Also run by the frame relay benchmark
// without the workbench, so the runner's additions are optional here.
import type { Guest } from '../src/index.ts';
import { H_BUFFER, H_CONSUMER, H_HEIGHT, H_MAGIC, H_PRODUCED, H_PRODUCER, H_TAKEN, H_WIDTH, MAGIC, bufferOffset } from './frame-relay.layout.ts';

export interface FrameRelayArg { role: 'producer' | 'consumer'; width: number; height: number; frames?: number; minFrameMs?: number }

export function render(pixels: Uint32Array, width: number, height: number, t: number): void {
  // A moving interference pattern: cheap integer arithmetic, every pixel different each frame.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const g = ((y + t * 2) & 255) << 8;
    for (let x = 0; x < width; x++) {
      const r = (x + t) & 255;
      const b = ((x ^ y) + t * 3) & 255;
      pixels[row + x] = 0xff000000 | (b << 16) | g | r;
    }
  }
}

export default async function main(vm: Guest, arg: FrameRelayArg) {
  vm.bringUp();
  const bar = vm.device.memoryBar;
  const bytes = bar.bytes!;
  const header = new Int32Array(bytes.buffer, bytes.byteOffset, 16);
  const { width, height } = arg;
  if (bufferOffset(2, width, height) > bytes.length) throw new RangeError(`two ${width}x${height} frames do not fit in ${bytes.length} bytes of shared memory`);
  if (arg.role === 'consumer') {
    Atomics.store(header, H_CONSUMER / 4, vm.id + 1);
    let taken = 0;
    for (;;) {
      const v = vm.wait({ timeoutMs: 1000 });
      if (v === -2) return taken;
      if (v < 0 || Atomics.load(header, H_MAGIC / 4) !== MAGIC) continue;
      taken = Atomics.load(header, H_PRODUCED / 4);
      Atomics.store(header, H_TAKEN / 4, taken);
      vm.ring(Atomics.load(header, H_PRODUCER / 4) - 1, 0);
      if (arg.frames && taken >= arg.frames) return taken;
    }
  }
  Atomics.store(header, H_PRODUCER / 4, vm.id + 1);
  Atomics.store(header, H_WIDTH / 4, width);
  Atomics.store(header, H_HEIGHT / 4, height);
  Atomics.store(header, H_TAKEN / 4, 0);
  Atomics.store(header, H_PRODUCED / 4, 0);
  Atomics.store(header, H_MAGIC / 4, MAGIC);
  const buffers = [0, 1].map((i) => new Uint32Array(bytes.buffer, bytes.byteOffset + bufferOffset(i, width, height), width * height));
  let frame = 0;
  while (Atomics.load(header, H_CONSUMER / 4) === 0) if (await vm.waitAsync({ timeoutMs: 50 }) === -2) return 0;
  for (;;) {
    const started = performance.now();
    frame++;
    render(buffers[frame % 2], width, height, frame);
    Atomics.store(header, H_BUFFER / 4, frame % 2);
    Atomics.store(header, H_PRODUCED / 4, frame);
    vm.ring(Atomics.load(header, H_CONSUMER / 4) - 1, 0);
    // Wait for the consumer to take this frame: then the other buffer is free.
    while (Atomics.load(header, H_TAKEN / 4) < frame) {
      const v = vm.wait({ timeoutMs: 1000 });
      if (v === -2) return frame;
      if (v === -1 && Atomics.load(header, H_TAKEN / 4) < frame) vm.ring(Atomics.load(header, H_CONSUMER / 4) - 1, 0);
    }
    if (arg.frames && frame >= arg.frames) return frame;
    const rest = (arg.minFrameMs ?? 0) - (performance.now() - started);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }
}

