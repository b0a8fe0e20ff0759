// Two Jailhouse cells on ivshmem-v2, the device of Jailhouse's inter-cell links (ivshmem-net),
// with their ivshmem2-server: the state table and the output sections are drawn in the hex view.
import { addVms, type HexSection, type Scenario } from './scenario.ts';
import program from './jailhouse-cells.guest.ts?program';
import { TX } from './jailhouse-cells.guest.ts';

const SIZE = 0x10000;
const OUTPUT = 0x4000;
const PEERS = 2;
const STATE_TABLE = 0x1000;
const OUTPUTS = SIZE - PEERS * OUTPUT;
const NAMES = ['RESET', 'INIT', 'READY', 'RUN'];

export const jailhouseCells: Scenario = {
  id: 'jailhouse-cells',
  title: 'Jailhouse cells: ivshmem-v2\'s state table and output sections',
  hint: 'Watch the two cells walk the state table (the first bytes of the hex view) through RESET, INIT, READY and RUN; press Reset on a cell and see the other follow it back to RESET, then both come up again.',
  explanation: [
    'Two cells of the Jailhouse hypervisor, each an ivshmem-v2 device (IVSHMEM 2.0) in its own VM, on an ivshmem2-server: the server, not the command line, decides the maximum of peers (2), the vectors (2), each peer\'s output section (16 KiB of the 64 KiB) and the protocol the devices announce in their class code (0001h, peer-to-peer Ethernet: ivshmem-net).',
    'The shared memory is cut into sections, drawn in the hex view: the state table (one 32-bit word per peer, read-only: only a device\'s State register writes its entry), the R/W section everyone writes, and one output section per peer that only its owner may write (a write into the other\'s is refused, as Jailhouse maps it read-only). Each cell keeps its frame counters at the start of its own output section.',
    'Each cell runs ivshmem-net\'s handshake: it writes RESET, then INIT once the other is below READY, READY once the other has left RESET, RUN once the other is READY or RUN. Every change of State is copied into the table and rings the other\'s vector 0; the driver then reads the table (the device keeps no pending interrupts, so the table is the truth). Once both run, each sends a frame now and then: written in its output section, announced on vector 1.',
    'Reset a cell from its panel: its State goes back to 0, the other hears it on vector 0, sees RESET in the table and goes back to RESET too; both walk the handshake again. Kill one: the server writes 0 into its entry and sends PEER_GONE, which the survivor\'s device turns into its own vector 0; the survivor sees RESET in the table, goes back to RESET and waits there for a new peer.',
  ],
  // Each step of the handshake held so a person can follow it (and the page's poll can see it).
  pace: { label: 'each cell holds a step', choices: [[500, '500 ms'], [250, '250 ms'], [50, '50 ms'], [0, '0 (full speed)']] },
  setup: {
    vectors: 1,
    server2: { id: 'srv2', socket: '/tmp/ivshmem2_socket', shm: 'ivshmem2', size: '64K', outputSectionSize: '16K', maxPeers: PEERS, vectors: 2, protocol: 0x0001 },
  },
  async start(wb) {
    const arg = { holdMs: wb.pace.value };
    await addVms(wb, 'ivshmem-v2,chardev=srv2', program, [{ name: 'cell.ts', arg }, { name: 'cell.ts', arg }]);
  },
  sections(): HexSection[] {
    return [
      { offset: 0, size: STATE_TABLE, label: 'state table (read-only)', kind: 'state' },
      { offset: STATE_TABLE, size: OUTPUTS - STATE_TABLE, label: 'R/W section', kind: 'rw' },
      ...Array.from({ length: PEERS }, (_, peer) => ({ offset: OUTPUTS + peer * OUTPUT, size: OUTPUT, label: `output section of cell ${peer}`, kind: 'output' as const, peer })),
    ];
  },
  decode(bytes) {
    if (bytes.length < SIZE) return [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, SIZE);
    const state = (peer: number) => view.getUint32(peer * 4, true);
    const tx = (peer: number, at: number) => view.getUint32(OUTPUTS + peer * OUTPUT + at, true);
    return [
      {
        offset: 0,
        title: 'state table',
        fields: Array.from({ length: PEERS }, (_, peer) => ({ name: `cell ${peer}`, value: `${state(peer)} ${NAMES[state(peer)] ?? ''}`.trim() })),
      },
      ...Array.from({ length: PEERS }, (_, peer) => ({
        offset: OUTPUTS + peer * OUTPUT,
        title: `cell ${peer}'s output section`,
        fields: [
          { name: 'frames sent', value: String(tx(peer, TX.SENT)) },
          { name: 'frames received', value: String(tx(peer, TX.RECEIVED)) },
          { name: 'last frame', value: `0x${tx(peer, TX.LAST).toString(16)}` },
        ],
      })),
    ];
  },
};
