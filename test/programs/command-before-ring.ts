// A workbench program that rings a peer while the page has left it a command (as the page's
// VmEntry leaves one: op, then the sequence): the command arrives after the program last looked at
// its device and before its ring, the moment the runner must not act on it. Returns what the
// program saw of its device once the ring returned.
import type { WorkbenchGuest } from '../../web/guest/runner.ts';
import { Op, WORD_ACK_SEQ, WORD_CMD_SEQ, WORD_OP, WORD_RESULT } from '../../web/guest/control.ts';

export default async function main(vm: WorkbenchGuest, arg: { control: SharedArrayBuffer; peer: number }) {
  vm.bringUp();
  // Memory Space Enable, bit 1 of the Command register (config 04h): the BARs decode
  const decoded = () => (vm.device.config.read(0x04, 2) & 0x2) !== 0;
  const words = new Int32Array(arg.control);
  const decodedBefore = decoded();
  words[WORD_OP] = Op.Reset;
  Atomics.add(words, WORD_CMD_SEQ, 1);
  vm.ring(arg.peer, 0);
  return {
    decodedBefore,
    decodedAfter: decoded(),
    acknowledged: Atomics.load(words, WORD_ACK_SEQ) === Atomics.load(words, WORD_CMD_SEQ),
    result: Atomics.load(words, WORD_RESULT),
  };
}
