// The guided tour: one step per question of docs/questions.md, in an order that builds up (who owns
// the memory, the three ways, BARs, IDs, the server and its eventfds, a full exchange, masking,
// peers leaving, limits, virtio on top), then the project's own last one (a guest without PCI:
// ivshmem-flat). Each step opens the scenario that shows the answer, says
// what to look at and what to do, highlights that part of the page, and checks that it was done.
// Its id is the `?tour=` value that opens it, which docs/questions.md links to.
import type { Workbench } from '../app/workbench.ts';
import { readDevice } from '../app/device-state.ts';
import { limitResults } from '../scenarios/limits.tsx';
import { FLAG, SEEN } from '../scenarios/three-ways.guest.ts';

export interface TourStep {
  id: string;
  /** the question, as docs/questions.md asks it */
  question: string;
  scenario: string;
  /** what the step highlights (a selector) */
  element: string;
  /** what to look at: the answer, shown on the page */
  look: string;
  /** what to do; none for a step that is read */
  task?: string;
  /** taken when the step begins: what the check compares with */
  begin?(wb: Workbench): unknown;
  /** true once the visitor has done the task */
  check?(wb: Workbench, baseline: unknown): boolean;
}

const word = (wb: Workbench, at: number) => (wb.bytes ? new DataView(wb.bytes.buffer, wb.bytes.byteOffset + at, 4).getUint32(0, true) : 0);
const delivered = (wb: Workbench, id: number) => {
  const entry = wb.entryById(id);
  return entry && !entry.ended.value ? readDevice(entry).vectors.reduce((sum, v) => sum + v.delivered, 0) : 0;
};
/** The trace's events since the step began (the index it had then). */
const eventsSince = (wb: Workbench, from: number) => wb.trace.since(from).map((p) => p.event);
const traceMark = (wb: Workbench) => wb.trace.total;

export const TOUR: TourStep[] = [
  {
    id: 'userspace',
    question: '"To userspace": whose userspace?',
    scenario: 'three-ways',
    element: '.hex',
    look: 'The hex view is this page\'s own mapping of the shared memory: what a host process that maps /dev/shm/ivshmem sees. Each guest sees the same bytes as its BAR2; whether a kernel driver, a process (uio, sysfs resource2) or a unikernel uses them is the guest\'s business.',
    task: 'Write the byte 2a at offset 0x100 (the "write at" form).',
    check: (wb) => word(wb, FLAG) === 0x2a,
  },
  {
    id: 'who-creates',
    question: 'Who creates the shared memory object?',
    scenario: 'three-ways',
    element: '.toolbar',
    look: 'The ivshmem-server created /dev/shm/ivshmem (its -M name) and hands its file descriptor to every client. The plain VM maps the same file itself (-object memory-backend-file): created by a user, or by a server, before QEMU starts. memory-backend-ram and -memfd are QEMU\'s own, private to that QEMU.',
    task: 'Press "Copy as QEMU command line" and find the plain VM\'s -object memory-backend-file.',
    check: () => document.querySelector('[aria-label="QEMU command lines"]') !== null,
  },
  {
    id: 'simple-way',
    question: 'The "simple way": no server at all?',
    scenario: 'three-ways',
    element: '.hex',
    look: 'The plain VM has no server and no interrupts: it polls the word at 0x100 and copied your 2a to 0x104 (the decoded view counts what it saw). Any number of guests and host processes can map one file this way; they poll, or signal some other way.',
    task: 'Write another byte at 0x100 and watch the plain VM follow.',
    check: (wb) => word(wb, SEEN) >= 2,
  },
  {
    id: 'three-ways',
    question: 'So are there exactly three ways to use it?',
    scenario: 'three-ways',
    element: '.machines',
    look: 'Each panel\'s PCI row: the plain VM has BAR0 and BAR2 and no capability; VM 1 and VM 2 (ivshmem-doorbell) add BAR1, the MSI-X table and PBA, with the capability at 0x40; VM 3 (legacy ivshmem, msi=off, revision 0) has BAR0 and BAR2 and interrupt pin A. Memory only; memory and pin interrupts; memory and MSI-X.',
    task: 'Ring VM 3 from VM 1: the INTx VM counts it, though the vector number is lost.',
    begin: (wb) => delivered(wb, 3),
    check: (wb, before) => delivered(wb, 3) > (before as number),
  },
  {
    id: 'bars',
    question: 'Are BAR0 and BAR1 optional? Must I map them?',
    scenario: 'three-ways',
    element: '.machines',
    look: 'A guest maps what it uses. BAR2 is the memory; BAR0 holds the registers (256 bytes in QEMU, though the 2014 spec says 1 KiB), useless on ivshmem-plain; BAR1 exists only with MSI-X and is the PCI code\'s business (the MSI-X table and PBA), not the application\'s.',
    task: 'Tick "mask" for vector 0 of VM 2: its driver sets the mask bit in BAR1\'s MSI-X table.',
    check: (wb) => { const e = wb.entryById(2); return !!e && readDevice(e).vectors[0]?.maskBit === true; },
  },
  {
    id: 'ids',
    question: 'Who decides the VM IDs, and how many guests can there be?',
    scenario: 'token-ring',
    element: '.machines',
    look: 'The server gives IDs from a 16-bit counter: the next free ID at or after the counter, and the counter moves on, so a departed guest\'s ID is not reused until it wraps. IVPosition is 32 bits, but the Doorbell has 16 for the destination: at most 65536 peers.',
    task: 'Kill VM 2, then add a VM: it gets ID 4, not 2.',
    check: (wb) => !wb.entryById(2) && wb.vms.value.some((e) => e.id >= 4),
  },
  {
    id: 'server',
    question: 'Is the server the one in contrib/? Does it tell clients which /dev/shm name to open?',
    scenario: 'token-ring',
    element: '.server-log',
    look: 'Yes, contrib/ivshmem-server: it creates the memory and one eventfd per vector per client, gives IDs, and tells every client who arrives and who leaves. It sends no name: "-1 + shm" carries the memory\'s file descriptor itself (SCM_RIGHTS), and the client maps that.',
  },
  {
    id: 'eventfds',
    question: 'What are the eventfds?',
    scenario: 'token-ring',
    element: '.sequence',
    look: 'An eventfd is a kernel counter behind a file descriptor: writing adds, reading takes the count. The server makes one per vector per client and sends each client everyone\'s; to ring peer P on vector V, QEMU (or KVM\'s ioeventfd) writes P\'s eventfd V, and P\'s QEMU (or irqfd) raises the interrupt. Here an eventfd is a slot in the shared memory.',
    task: 'Pause the timeline and click one of the server\'s "eventfd" arrows.',
    check: (wb) => wb.selected.value?.kind === 'server' && /eventfd/.test(wb.selected.value.text ?? ''),
  },
  {
    id: 'server-messages',
    question: 'What does the server send, in what order?',
    scenario: 'token-ring',
    element: '.sequence',
    look: 'On connect: the protocol version (0), the client\'s ID, -1 with the memory, then every existing peer\'s eventfds, then its own; every other client receives the newcomer\'s eventfds. A peer ID with no fd later means that peer left.',
    task: 'Go back to the start of the trace and click the first "version 0" arrow.',
    check: (wb) => wb.selected.value?.kind === 'server' && /version/.test(wb.selected.value.text ?? ''),
  },
  {
    id: 'exchange',
    question: 'A full exchange, please: is the protocol the device\'s, or a layer above?',
    scenario: 'masked-vector',
    element: '.machines',
    look: 'The device gives mechanisms only: memory, and a doorbell that raises vector V in peer P. What the memory holds, what each vector means, who may write where is a layer above, in the guests (the token ring\'s "the token is yours when vector 0 fires"). Signalling belongs in the device only as that doorbell; anything richer (virtio, question 16) is built on it.',
    task: 'Ring VM 2 from VM 1 on vector 0: VM 2\'s driver takes the interrupt and counts it in the shared memory (0x88); the timeline draws the arrow VM 1 → VM 2.',
    begin: traceMark,
    check: (wb, from) => eventsSince(wb, from as number).some((e) => e.kind === 'doorbell' && e.device === 1 && e.peer === 2 && e.vector === 0),
  },
  {
    id: 'masking',
    question: 'Why can\'t I poll with the doorbell device?',
    scenario: 'masked-vector',
    element: '.machines',
    look: 'A doorbell to a masked vector sets its PBA bit, and only unmasking clears it (by delivering): software cannot clear a pending bit, so there is nothing to poll. With MSI-X off, tcg drops the doorbell and kvm keeps it until the enable.',
    task: 'Mask vector 0 on VM 2, ring it from VM 1: its PBA bit is the pending interrupt. Now unmask it.',
    begin: traceMark,
    check: (wb, from) => {
      const events = eventsSince(wb, from as number).filter((e) => e.device === 2 && e.vector === 0);
      const pending = events.findIndex((e) => e.kind === 'pending');
      return pending >= 0 && events.slice(pending).some((e) => e.kind === 'deliver');
    },
  },
  {
    id: 'peers-leaving',
    question: 'What happens when a peer leaves?',
    scenario: 'peer-dies',
    element: '.server-log',
    look: 'Killing a VM is killing its QEMU: its socket closes and the server sends every other client that ID with no fd. Their devices close its eventfds, so a doorbell to it goes nowhere; what a guest cannot learn is where the other side was in your protocol.',
    task: 'Wait for the page to kill VM 1: every client hears "peer 1 is gone".',
    check: (wb) => wb.server?.log.some((l) => /peer 1 is gone/.test(l.meaning ?? '')) ?? false,
  },
  {
    id: 'limits',
    question: 'The ID is 32 bits and the Doorbell 16: what is decoded, what is ignored?',
    scenario: 'limits',
    element: '.limits',
    look: 'QEMU decodes the vector as val & 0xff; a doorbell to an absent peer, or to a vector not below that peer\'s eventfd count, is ignored, on the INTx device too. The 2010 device reads IVPosition -1 until its server answers.',
    task: 'Press "VM 1 writes (2 << 16) | 256": vector 0 of VM 2 rings.',
    check: () => limitResults.value['vector-256']?.delivered === true,
  },
  {
    id: 'partial',
    question: 'May a guest map only part of the memory? Which parameters set its size?',
    scenario: 'three-ways',
    element: '.machines',
    look: 'VM 3 (legacy ivshmem, size=1M) maps 1 MiB of the server\'s 4 MiB: see its BAR2. ivshmem-plain and -doorbell map the whole object: the server\'s -l, or the backend\'s size=, which for a memory-backend-file may be less than the file (its first size bytes; QEMU 8.1 added offset=). A guest may map any part of its BAR.',
  },
  {
    id: 'options',
    question: 'Which options do what, on QEMU\'s side and the server\'s?',
    scenario: 'token-ring',
    element: '.add-vm',
    look: 'The add-a-VM form takes QEMU\'s -device syntax and answers with QEMU\'s own errors; "Copy as QEMU command line" gives the server\'s and QEMU\'s options for this setup.',
    task: 'Change the option string to ivshmem-doorbell,chardev=srv,vectors=0 and press Add VM.',
    check: () => /vectors/i.test(document.querySelector('#add-vm-error')?.textContent ?? ''),
  },
  {
    id: 'virtio',
    question: 'Virtio on top of ivshmem? One to one?',
    scenario: 'virtqueue',
    element: '.hex',
    look: 'A split virtqueue is memory plus a kick each way: here it sits at 0x1000 of BAR2, laid out as virtio 1.x lays it, and the doorbells are the kick and the interrupt. Jailhouse\'s ivshmem-v2 builds virtio front- and back-ends this way; it suits one-to-one links.',
    task: 'Watch the front-end take five answers (used idx follows avail idx).',
    check: (wb) => word(wb, 0x1000 - 16) >= 5,
  },
  {
    id: 'flat',
    question: 'My guest has no PCI bus: when do I choose ivshmem-flat?',
    scenario: 'flat-mcus',
    element: '.machines',
    look: 'Each MCU\'s panel shows two MMIO regions where a board maps them, no Command register and no BARs, and one IRQ line. Its DOORBELL can ring any of the 64 vectors a peer may have, but only its own vector 0 interrupts it (QEMU 10.0 registers every own eventfd\'s handler with vector 0\'s notifier): whoever rings, the guest looks in the shared memory for why. Choose ivshmem-doorbell whenever the guest has PCI.',
    task: 'The MCUs are paused for this step (the toolbar says "Resume all"): ring VM 2 on vector 1 from VM 1\'s panel: the arrow goes out, and VM 2\'s IRQ count stays where it was.',
    // The scenario's own guests ring vectors 1 to 3 too: only a ring made while paused is the
    // visitor's. The step pauses them itself: "Pause all" sits outside the highlighted panels,
    // where the tour's overlay takes the clicks.
    begin: (wb) => {
      wb.setPaused(true);
      return { pausedAt: undefined as number | undefined };
    },
    check: (wb, baseline) => {
      const b = baseline as { pausedAt?: number };
      if (!wb.paused.value) { b.pausedAt = undefined; return false; }
      b.pausedAt ??= wb.trace.total;
      return eventsSince(wb, b.pausedAt).some((e) => e.kind === 'doorbell' && e.device === 1 && e.peer === 2 && e.vector === 1);
    },
  },
];
