// Runs a list of guest API calls with arguments of any kind and reports how each ended; then
// rings a peer to show the VM still works. For test/node/bad-input.test.ts.
import type { Guest } from '../../src/index.ts';

export interface JunkCall {
  call: number;
  args: unknown[];
}

// a wait with no deadline waits for ever, as it should: absent and numeric timeouts become short
const short = (t: unknown) => (t === undefined || t === null ? 5 : typeof t === 'number' && Number.isFinite(t) ? Math.min(Math.abs(t), 5) : t) as number;

export default async function main(vm: Guest, arg: { calls: JunkCall[]; anchor: number }) {
  vm.bringUp();
  const d = vm.device;
  const calls: ((a: unknown[]) => unknown)[] = [
    (a) => vm.ring(a[0] as number, a[1] as number),
    (a) => vm.wait({ mode: a[0] as never, timeoutMs: short(a[1]) }),
    (a) => vm.waitAsync({ timeoutMs: short(a[1]) }),
    (a) => d.bar(a[0] as number).read(a[1] as number, a[2] as 4),
    (a) => d.bar(a[0] as number).write(a[1] as number, a[2] as number, a[3] as number),
    (a) => d.config.read(a[0] as number, a[1] as 4),
    (a) => d.config.write(a[0] as number, a[1] as number, a[2] as number),
    (a) => vm.driver.unmaskVector(d, a[0] as number),
    (a) => vm.driver.maskVector(d, a[0] as number),
    (a) => d.interrupts.delivered(a[0] as number),
    (a) => d.interrupts.pending(a[0] as number),
    () => d.interrupts.take(),
    (a) => vm.log(...a),
    () => vm.peers(),
    () => d.reset(),
  ];
  const outcomes: string[] = [];
  for (const { call, args } of arg.calls) {
    try {
      await calls[call % calls.length](args);
      outcomes.push('ok');
    } catch (error) {
      outcomes.push(error instanceof Error ? error.name : typeof error);
    }
  }
  // whatever the calls did to the device, a driver brings it up again and it rings
  vm.bringUp();
  vm.ring(arg.anchor, 0);
  return outcomes;
}
