// Rings vector 0 of whichever peer ID the host names in stress word 4, over and over, until the
// host sets stress word 2; every doorbell first takes the server's messages, so the VM learns a
// new target's eventfd, and its departure, as soon as the server sends them.
import type { Guest } from '../../src/index.ts';
import { stressWords } from './stress-words.ts';

export default async function main(vm: Guest) {
  vm.bringUp();
  const words = stressWords(vm);
  Atomics.store(words, 0, 1);
  let rings = 0;
  while (Atomics.load(words, 2) === 0) {
    vm.ring(Atomics.load(words, 4), 0);
    rings++;
  }
  return rings;
}
