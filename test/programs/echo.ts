// A guest that answers every interrupt on vector v by ringing vector v of `replyTo`, until the
// host stops it; returns how many it answered.
import { STOPPED, type Guest } from '../../src/index.ts';
import { announceReady } from './protocol.ts';

export default async function main(vm: Guest, arg: { replyTo?: number; async?: boolean }) {
  vm.bringUp();
  announceReady(vm);
  vm.log(`echo ${vm.id} ready`);
  let answered = 0;
  for (;;) {
    const vector = arg.async ? await vm.waitAsync() : vm.wait({ mode: 'block' });
    if (vector === STOPPED) break;
    if (vector < 0) continue;
    if (arg.replyTo !== undefined) vm.ring(arg.replyTo, vector);
    answered++;
  }
  return answered;
}
