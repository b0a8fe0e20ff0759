// The other side of the unmask race (mask-toggler.ts): rings vector 0 of `peer`, publishing how
// many doorbells it has finished, until the toggler has unmasked `unmasks` times while it rang
// (so the two overlap however the machine schedules them), then says it is done.
import type { Guest } from '../../src/index.ts';
import { stressWords } from './stress-words.ts';

export default async function main(vm: Guest, arg: { peer: number; unmasks: number }) {
  vm.bringUp();
  const words = stressWords(vm);
  while (Atomics.load(words, 0) === 0) Atomics.wait(words, 0, 0, 100);
  const from = Atomics.load(words, 3);
  let rings = 0;
  while (Atomics.load(words, 3) - from < arg.unmasks) {
    vm.ring(arg.peer, 0);
    Atomics.store(words, 1, ++rings);
  }
  Atomics.store(words, 2, 1);
  return rings;
}
