// Words two stress programs share at the start of the server's shared memory: [0] go, [1] how many
// doorbells the ringer has finished, [2] the ringer is done, [3] how many unmasks the toggler
// has done, [4] the peer ID to ring.
import type { Guest } from '../../src/index.ts';

export function stressWords(vm: Guest): Int32Array {
  const bytes = vm.device.memoryBar.bytes!;
  return new Int32Array(bytes.buffer, bytes.byteOffset, 16);
}
