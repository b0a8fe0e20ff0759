// One side of the unmask race: masks and unmasks vector 0 as fast as it can while a peer rings it
// (mask-ringer.ts). After every unmask the vector's PBA bit must clear: the ringer that set it
// sees the unmask and sends, or this side does. A bit still set once the ringer has finished two
// more doorbells (so every doorbell in flight at the unmask is over) is an interrupt stuck
// pending on an unmasked vector: lost.
import { driver, type Guest } from '../../src/index.ts';
import { stressWords } from './stress-words.ts';

export default async function main(vm: Guest) {
  vm.bringUp();
  const words = stressWords(vm);
  const pba = vm.device.layout.pbaOffset;
  const msix = vm.device.bar(1);
  const pending = () => (msix.read(pba, 4) & 1) !== 0;
  Atomics.store(words, 0, 1);
  Atomics.notify(words, 0);
  let unmasks = 0;
  let stuck = 0;
  while (Atomics.load(words, 2) === 0) {
    driver.maskVector(vm.device, 0);
    driver.unmaskVector(vm.device, 0);
    Atomics.store(words, 3, ++unmasks);
    if (!pending()) continue;
    const rung = Atomics.load(words, 1);
    while (pending() && Atomics.load(words, 1) < rung + 2 && Atomics.load(words, 2) === 0) { /* a doorbell in flight */ }
    if (pending()) stuck++;
  }
  return { unmasks, stuck, pendingAtEnd: pending(), masked: vm.device.interrupts.masked(0) };
}
