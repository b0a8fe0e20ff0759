import { addVms, type Scenario } from './scenario.ts';
import program from './peer-dies.guest.ts?program';

const DEVICE = 'ivshmem-doorbell,chardev=srv,vectors=1';

export const peerDies: Scenario = {
  id: 'peer-dies',
  title: 'A peer dies mid-exchange',
  hint: 'VM 1 sends requests to VM 2, which answers; 4 s in, VM 2 is killed mid-exchange: watch the server\'s "peer 2 is gone", VM 1 give up on its request, and a new server VM take over.',
  explanation: [
    'A request/response protocol over shared memory: the client writes the request at 0xe8 and its ID at 0xe0, rings the server VM; the server writes the answer at 0xe4 and rings back.',
    'Killing a VM is killing its QEMU: its socket to the ivshmem-server closes, and the server sends every other client the departed ID with no file descriptor ("peer N is gone"). Their devices close that peer\'s eventfds, so a doorbell to it now goes nowhere, and the guests can see it in their peer tables.',
    'What a guest cannot see is where the other side was in the protocol: the client only notices the missing answer by its timeout, then checks the peer list. Four seconds after the start the page kills the server VM, and a second later starts a new one.',
  ],
  setup: { vectors: 1 },
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
