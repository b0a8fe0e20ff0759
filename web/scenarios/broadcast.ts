import { addVms, type Scenario } from './scenario.ts';
import program from './broadcast.guest.ts?program';
import { SOCKET } from '../app/workbench.ts';

export const broadcastStorm: Scenario = {
  id: 'broadcast-storm',
  title: 'Broadcast storm (2010 device)',
  hint: 'Four VMs with the very first ivshmem device broadcast to all at once; watch IntrStatus collect the senders\' values and IVLiveList list who is there.',
  explanation: [
    'The 2010 patch had no MSI-X: a 16-bit Doorbell register takes a destination in its high byte and a value in its low byte, and destination 255 means everyone. The value lands in the destination\'s IntrStatus and raises its INTx line while IntrMask lets it through.',
    'Each guest broadcasts its own ID now and then; its handler reads IntrStatus, which clears it. Messages that arrive between two reads are OR-ed together: with values 1, 2, 3, 4 you cannot always tell who rang, which is why later versions moved to one MSI-X vector per purpose.',
    'IVLiveList (offset 8) has one bit per live guest: kill a VM and see its bit go.',
  ],
  setup: { vectors: 1 },
  pace: { label: 'each VM broadcasts every', choices: [[2000, '2 s'], [1000, '1 s'], [200, '200 ms'], [40, '40 ms']] },
  async start(wb) {
    const everyMs = wb.pace.value;
    await addVms(wb, `-ivshmem 4,unix:${SOCKET}`, program, Array(4).fill({ name: 'broadcast.ts', arg: { everyMs } }));
  },
};
