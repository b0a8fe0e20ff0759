// A benchmark's VM for the "driver path" figure (bench/figures/driver-path.ts): times one register
// access of bench/lib/accesses.ts per run, in a loop of its own, on this VM's device, as a guest
// driver makes it. The first run brings the device up and instantiates the raw core (the shipped
// .wasm over a memory of its own, bench/lib/raw-core.ts) for the row that calls the core directly.
import type { Guest } from '../../src/index.ts';
import { ACCESSES, accessLoop, type AccessContext } from '../lib/accesses.ts';
import { rawCore } from '../lib/raw-core.ts';

export type DriverPathArg =
  | { setup: { wasm: ArrayBuffer; ring: number } }
  | { access: number; n: number };

let targets: ((vm: Guest) => unknown)[] | undefined;
let context: AccessContext | undefined;
const loops = new Map<number, (target: unknown, n: number) => number>();

export default async function main(vm: Guest, arg: DriverPathArg): Promise<number> {
  if ('setup' in arg) {
    vm.bringUp();
    const raw = await rawCore(arg.setup.wasm, vm.id);
    context = { ring: arg.setup.ring, rawBlock: raw.block, pba: vm.device.layout.pbaOffset };
    targets = ACCESSES.map(({ target }) => (target === 'core' ? () => raw.core : target === 'config' ? (g) => g.device.config : (g) => g.device.bar(target)));
    return 0;
  }
  if (!targets || !context) throw new Error('run the setup first');
  let loop = loops.get(arg.access);
  if (!loop) loops.set(arg.access, (loop = accessLoop(ACCESSES[arg.access], context)));
  return loop(targets[arg.access](vm), arg.n);
}
