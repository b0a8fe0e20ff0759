import { addVms, type Scenario } from './scenario.ts';
import program from './token-ring.guest.ts?program';

/** The page's client puts a token in when none has moved for a while (its holder was killed). */
export function tokenKeeper(): Scenario['tick'] {
  let last = -1;
  let still = 0;
  return (wb) => {
    const vms = wb.vms.value.filter((e) => e.running.value);
    if (vms.length < 2 || wb.paused.value) return;
    const total = vms.reduce((sum, e) => sum + e.vm.counters.delivered[0], 0);
    still = total === last ? still + 1 : 0;
    last = total;
    if (still >= 8) {
      wb.client?.notify(vms[0].id, 0);
      still = 0;
    }
  };
}

export const tokenRing: Scenario = {
  id: 'token-ring',
  title: 'Token ring',
  hint: 'Watch the token (a doorbell) hop from VM to VM; press "Ring" on a VM to add a second token, or "Kill" one and see the server tell the others.',
  explanation: [
    'Three guests, each an ivshmem-doorbell on the same ivshmem-server, pass a token: a VM that takes an interrupt holds it for a moment, then writes the next VM\'s ID and vector 0 to its Doorbell register.',
    'The write goes through the WebAssembly core straight into the destination\'s MSI-X logic (what KVM\'s ioeventfd + irqfd do), with no host thread in between; the destination worker wakes up from Atomics.wait.',
    'Kill a VM: the server sends every other client "peer N is gone" and they close the ring around the gap. If the token died with it, the page\'s ivshmem-client puts a new one in. Set the hold to 0 to see how fast it really goes.',
  ],
  setup: { vectors: 1 },
  pace: { label: 'each VM holds the token', choices: [[500, '500 ms'], [250, '250 ms'], [50, '50 ms'], [0, '0 (full speed)']] },
  async start(wb) {
    const holdMs = wb.pace.value;
    const vms = await addVms(wb, 'ivshmem-doorbell,chardev=srv,vectors=1', program, Array(3).fill({ name: 'token-ring.ts', arg: { holdMs } }));
    await wb.untilWaiting(vms);
    wb.client?.notify(vms[0].id, 0);
  },
  tick: tokenKeeper(),
};
