// A Jailhouse cell bringing up its ivshmem-net link on ivshmem-v2 (the workbench's "Jailhouse
// cells"): probe, interrupts on, then ivshmem-net's state handshake over the state table (RESET,
// INIT, READY, RUN), each step held for the page's pace so a person can follow it. Once both cells
// run, a frame each way now and then: written into the own output section (TX), announced on
// vector 1, counted by the other from its input (the sender's output section). A reset of the
// device (the VM panel's Reset) is seen as a driver sees it, Memory Space gone, and the cell probes
// again and starts over; the other cell follows it back to RESET through the state table.
import type { WorkbenchGuest } from '../guest/runner.ts';

export interface CellArg { holdMs: number }

/** What a cell keeps at the start of its output section, for the page's decoder. */
export const TX = { SENT: 0, RECEIVED: 4, LAST: 8 } as const;

const NAMES = ['RESET', 'INIT', 'READY', 'RUN'];
const name = (state: number) => NAMES[state] ?? `${state}`;

export default async function main(vm: WorkbenchGuest, arg: CellArg) {
  const v2 = vm.driver.v2;
  const hold = () => (arg.holdMs > 0 ? new Promise((resolve) => setTimeout(resolve, arg.holdMs)) : Promise.resolve());
  const decoded = () => (vm.device.config.read(0x04, 2) & 0x2) !== 0;
  while (!vm.stopRequested) {
    const found = v2.probe(vm.device);
    v2.enableInterrupts(vm.device);
    const peer = found.id === 0 ? 1 : 0;
    const tx = found.output(found.id);
    const write = (at: number, value: number) => vm.device.bar(2).write(tx.offset + at, 4, value);
    let sent = 0;
    let received = 0;
    const handshake = new v2.NetHandshake(vm.device, found, peer, {
      init: () => {
        sent = 0;
        received = 0;
        for (const at of Object.values(TX)) write(at, 0);
        vm.log('INIT, the peer has left RESET: my TX queue laid out in my output section');
      },
      run: () => vm.log('the peer is READY or RUN: link up'),
      stop: () => vm.log(`cell ${peer} went back to RESET: so do I`),
    });
    let shown = -1;
    const show = () => {
      if (handshake.state === shown) return;
      shown = handshake.state;
      vm.log(`cell ${found.id}: ${name(handshake.state)} (cell ${peer} in ${name(handshake.lastPeerState)})`);
    };
    handshake.start();
    show();
    let nextFrame = 0;
    for (;;) {
      const vector = await vm.waitAsync({ timeoutMs: 100 });
      if (vector === -2) return { sent, received };
      if (!decoded()) {
        vm.log('the device was reset: probing it again');
        break;
      }
      if (vector === 0) {
        await hold();
        handshake.check();
        show();
      } else if (vector === 1) {
        received++;
        write(TX.RECEIVED, received);
      }
      const now = performance.now();
      if (handshake.state === v2.NET_STATE.RUN && v2.peerState(vm.device, found, peer) === v2.NET_STATE.RUN && now >= nextFrame) {
        sent++;
        write(TX.LAST, (0xf00d0000 | sent) >>> 0);
        write(TX.SENT, sent);
        vm.ring(peer, 1);
        nextFrame = now + Math.max(4 * arg.holdMs, 100);
      }
    }
  }
  return undefined;
}
