import { addVms, type Scenario } from './scenario.ts';
import program from './sdm.guest.ts?program';

const SLAVES = 3;

export const sdmMasterSlaves: Scenario = {
  id: 'sdm',
  title: 'SDM: a master boots three slaves, IRQs with payloads',
  hint: 'Three slave VMs wait, held back, until the master VM sends each an SDM_BOOT; then the master sends them SDM_IRQs carrying a payload and each answers: click an arrow in the timeline to see its payload.',
  explanation: [
    'The virtio Signal Distribution Module (an RFC of 2016, never merged) gives processors inter-processor interrupts across QEMU instances, as on an AMP system where a master core boots and signals slave cores (Linux\'s remoteproc and a hardware mailbox). Here the master and three slaves are virtio-sdm devices, each in its own VM, on the local channel (chardev= names the master device).',
    'The slaves are spawned held back: their programs start only once their device receives an SDM_BOOT, whose two-word payload is handed to the slave (here a load address and an entry point). The master boots them one by one once all three have joined its group.',
    'Then the master sends each slave in turn an SDM_IRQ with a payload [command, sequence]: a mailbox message and an interrupt in one. The device puts it in the slave\'s hg_vq (its host-to-guest virtqueue); the slave answers through its gh_vq with [sequence + 1, its id]. A slave may signal only the master. No server, no doorbell registers: the signals go through each driver\'s virtqueues and the core, in the sender\'s own thread.',
  ],
  setup: { vectors: 1, server: false },
  pace: { label: 'the master signals every', choices: [[1000, '1 s'], [500, '500 ms'], [100, '100 ms'], [40, '40 ms']] },
  // Each signal is also a push and a pop on both drivers' virtqueues: tick them in the timeline to see them.
  hiddenKinds: ['ring-push', 'ring-pop'],
  async start(wb) {
    const everyMs = wb.pace.value;
    const arg = { slaves: SLAVES, everyMs };
    await addVms(wb, `virtio-sdm,id=sdm0,master=on,max_slaves=${SLAVES + 1}`, program, [{ name: 'master.ts', arg: { ...arg, role: 'master' } }]);
    const slaves = Array(SLAVES).fill({ name: 'slave.ts', arg: { ...arg, role: 'slave' } });
    await addVms(wb, 'virtio-sdm,chardev=sdm0', program, slaves, { boot: 'sdm' });
  },
};
