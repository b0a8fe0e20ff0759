import { addVms, type Scenario } from './scenario.ts';
import { tokenKeeper } from './token-ring.ts';
import program from './flat-mcus.guest.ts?program';
import { MAILBOX_FIELDS, mailbox } from './flat-mcus.layout.ts';

export const flatMcus: Scenario = {
  id: 'flat-mcus',
  title: 'ivshmem-flat: two MCUs, one IRQ line, 64 vectors per peer',
  hint: 'Two microcontrollers pass messages, each ring of vector 0 pulsing the other\'s one IRQ line; press "Pause all", ring an MCU on vector 1 from the other\'s panel and see that no interrupt comes, then on vector 0.',
  explanation: [
    'ivshmem-flat is QEMU 10.0\'s ivshmem for machines without PCI, such as the Cortex-M boards Zephyr runs on. Its 16 bytes of registers (INTMASK and INTSTATUS, reserved and read as 0; IVPOSITION, the peer ID; DOORBELL) and the shared memory are two MMIO regions a board maps, here where the series put them on the lm3s6965evb: registers at 0x400FF000, memory at 0x40100000. There is no probe, no MSI-X: the driver reads IVPOSITION and writes DOORBELL, peer in bits 31:16 and vector in bits 15:0.',
    'One IRQ line: whoever rings, an MCU sees the same interrupt (each ring of its vector 0 pulses the line of the interrupt controller), so it looks in the shared memory for what came; each MCU here keeps a mailbox there (the hex view decodes them). Pulses that come before the CPU takes the interrupt collapse into one pending interrupt, as on a real interrupt controller.',
    '64 vectors per peer: the device keeps up to 64 eventfds of each peer (the server gives each peer four here), so it can ring any of a PCI peer\'s MSI-X vectors. But QEMU 10.0 registers the handler of every one of its own eventfds with vector 0\'s notifier: only vector 0 interrupts it. Every third message here also rings the peer\'s vector 1, 2 or 3: the mailbox counts them, and the peer\'s IRQ count follows vector 0 alone.',
    'QEMU 10.0 cannot create this device from the command line (it is not user-creatable, and no board wires it). "Copy as QEMU command line" gives the board wiring of the series\' unmerged part (x-bus-address-iomem, x-bus-address-shmem and x-irq-qompath on lm3s6965evb), which needs a QEMU with those patches.',
  ],
  pace: { label: 'each MCU holds a message', choices: [[500, '500 ms'], [250, '250 ms'], [50, '50 ms'], [0, '0 (full speed)']] },
  setup: { vectors: 4, size: '4M' },
  async start(wb) {
    const arg = { holdMs: wb.pace.value, otherEvery: 3, vectors: wb.setup.vectors };
    const vms = await addVms(wb, 'ivshmem-flat,chardev=srv', program, [
      { name: 'mcu.ts', arg: { ...arg, first: false } },
      { name: 'mcu.ts', arg: { ...arg, first: true } },
    ]);
    await wb.untilWaiting(vms);
  },
  tick: tokenKeeper(),
  decode(bytes) {
    const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = [];
    for (let id = 0; id < 16; id++) {
      const at = mailbox(id);
      if (words.getUint32(at, true) !== 1) continue;
      out.push({
        offset: at,
        title: `MCU ${id}'s mailbox`,
        fields: MAILBOX_FIELDS.slice(1).map((name, n) => {
          const value = words.getUint32(at + (n + 1) * 4, true);
          return { name, value: n === 1 ? `from ${value >>> 16}, #${value & 0xffff}` : String(value) };
        }),
      });
    }
    return out;
  },
};
