// What the ivshmem-flat scenario keeps in the shared memory, shared by its guest program and the
// page's decoder: one mailbox per MCU, by ID.
export const MAILBOX = 0x40;
export const MAILBOX_FIELDS = ['signed in', 'messages sent', 'last message', 'IRQs taken', 'other vectors rung', 'last other vector'];
export const mailbox = (id: number) => (id & 15) * MAILBOX;
