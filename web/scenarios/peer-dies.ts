import { addVms, type Scenario } from './scenario.ts';
import program from './peer-dies.guest.ts?program';

const DEVICE = 'ivshmem-doorbell,chardev=srv,vectors=1';

export const peerDies: Scenario = {
  id: 'peer-dies',
  title: 'A peer dies mid-exchange',
  hint: 'VM 2 sends requests to VM 1, which answers; 4 s in, the page kills VM 1 mid-exchange: watch the server log\'s "peer 1 is gone", VM 2 give up on its request, and VM 3 take over as the new server.',
  explanation: [
    'A request/response protocol over shared memory: VM 2, the client, writes the request at 0xe8 and its ID at 0xe0 and rings VM 1, the server VM; the server writes the answer at 0xe4 and rings back. (ID 0 is the page\'s own ivshmem-client, which joined the server first.)',
    'Killing a VM is killing its QEMU: its socket to the ivshmem-server closes, and the server sends every other client the departed ID with no file descriptor ("peer N is gone"). Their devices close that peer\'s eventfds, so a doorbell to it now goes nowhere, and the guests can see it in their peer tables.',
    'What a guest cannot see is where the other side was in the protocol: the client only notices the missing answer by its timeout, then checks the peer list. Four seconds after the start the page kills VM 1, and a second later starts a new server VM, which the ivshmem-server gives the next ID, 3.',
  ],
  setup: { vectors: 1 },
  pace: { label: 'the client waits between requests', choices: [[500, '500 ms'], [250, '250 ms'], [50, '50 ms'], [0, '0 (full speed)']] },
  async start(wb) {
    const holdMs = wb.pace.value;
    const [server, client] = await addVms(wb, DEVICE, program, [
      { name: 'server.ts', arg: { role: 'server', holdMs } },
      { name: 'client.ts', arg: { role: 'client', holdMs } },
    ]);
    await wb.untilWaiting([server, client]);
    const started = wb.host;
    setTimeout(() => {
      if (wb.host !== started || !wb.vms.value.includes(server)) return;
      void wb.kill(server).then(() => new Promise((resolve) => setTimeout(resolve, 1000))).then(() => {
        if (wb.host === started) return addVms(wb, DEVICE, program, [{ name: 'server.ts', arg: { role: 'server', holdMs } }]);
        return undefined;
      }).catch(() => undefined);
    }, 4000);
  },
};
