import { addVms, type Scenario } from './scenario.ts';
import program from './ping-pong.guest.ts?program';

export const pingPong: Scenario = {
  id: 'ping-pong',
  title: 'Ping-pong: block, poll or spin',
  hint: 'Two VMs bounce a doorbell in bursts; change each VM\'s "wait" to block, poll or spin and watch the round-trip histogram beside them move.',
  explanation: [
    'VM 1 rings VM 2, VM 2 rings back: a round trip is two doorbells and two wake-ups. The histogram counts round trips by their time, in powers of two of a microsecond.',
    'block parks the worker at once (memory.atomic.wait32): each wake-up costs what the operating system costs, tens of microseconds. poll never parks: a round trip is a couple of microseconds, but it keeps a core busy even when nothing comes. spin (the default) spins for a budget that follows the traffic, then parks: close to poll while the ping-pong runs, and asleep when it stops.',
    'On a machine with fewer cores than busy threads, spinning while the partner is descheduled burns the core the partner needs: that is the case where block wins.',
  ],
  setup: { vectors: 1 },
  figure: 'latency',
  pace: { label: 'rest between bursts', choices: [[500, '500 ms (bursts of 500)'], [250, '250 ms (bursts of 500)'], [50, '50 ms (bursts of 500)'], [0, '20 ms (bursts of 5000)']] },
  async start(wb) {
    const burst = wb.pace.value === 0 ? 5000 : 500;
    const restMs = wb.pace.value || 20;
    await wb.untilWaiting(await addVms(wb, 'ivshmem-doorbell,chardev=srv,vectors=1', program, [
      { name: 'pong.ts', arg: { role: 'pong', burst, restMs } },
      { name: 'ping.ts', arg: { role: 'ping', burst, restMs } },
    ]));
  },
};
