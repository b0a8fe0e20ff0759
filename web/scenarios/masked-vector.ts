import { addVms, type Scenario } from './scenario.ts';
import driver from '../guest/idle.guest.ts?program';
import { Op } from '../guest/control.ts';

export const maskedVector: Scenario = {
  id: 'masked-vector',
  title: 'Masked vector and the PBA',
  hint: 'VM 2\'s vector 1 is masked and the page rings it every 2 s: see its PBA bit stay at 1 and its count stand still; untick "mask" for vector 1 and the pending message is delivered at once.',
  explanation: [
    'Two guests with four MSI-X vectors each. VM 2\'s driver has masked vector 1 (bit 0 of the vector control word in its MSI-X table entry) and the page\'s ivshmem-client rings that vector every two seconds.',
    'A message for a masked vector is not lost and not delivered: the device sets the vector\'s bit in the Pending Bit Array (BAR1, at the PBA offset) and delivers it the moment the vector is unmasked (hw/pci/msix.c, msix_handle_mask_update). However many times it is rung meanwhile, one message is pending: the PBA is one bit per vector.',
    'Try the function mask too (it masks every vector at once), or turn MSI-X off: what happens to a doorbell then depends on the accelerator (the toolbar\'s choice). With tcg QEMU reads the vector\'s eventfd itself and drops the event ("dropped" counts it): without MSI-X the device has no way to interrupt. With kvm (how ivshmem is usually run) the eventfd is handed to KVM\'s irqfd only once MSI-X is enabled, so it keeps counting: enable MSI-X again and the message is delivered.',
    'See it: press "Pause all", untick VM 2\'s MSI-X "enable", ring VM 2 vector 0 from VM 1, then tick "enable" again. Under tcg, "dropped" goes up and nothing is delivered; under kvm, nothing is dropped and vector 0\'s count goes up at the enable.',
  ],
  setup: { vectors: 4 },
  memoryAt: 0x80,
  async start(wb) {
    const [a, b] = await addVms(wb, 'ivshmem-doorbell,chardev=srv,vectors=4', driver, [{ name: 'driver.ts' }, { name: 'driver.ts' }]);
    await wb.untilWaiting([a, b]);
    b.send({ op: Op.Mask, a: 1 });
  },
  tick: (() => {
    let n = 0;
    return (wb) => {
      const b = wb.vms.value[1];
      if (++n % 8 === 0 && b && !wb.paused.value) wb.client?.notify(b.id, 1);
    };
  })(),
};
