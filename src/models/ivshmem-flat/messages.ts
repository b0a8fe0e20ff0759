// ivshmem-flat's realize errors, word for word as QEMU 10.0 prints them (hw/misc/ivshmem-flat.c,
// typo included); `npm run conformance:qemu` finds each in the QEMU 10.0 binary. QEMU has a fourth,
// "Could not determine shmem fd size. Can't create device!", for an fstat that fails on the shmem
// fd: a memory handle here always has its size, so it cannot happen.
export const NO_SERVER = "ivshmem server socket not specified or incorret. Can't create device.";
export const NO_SHMEM = "Could not receive valid shmem fd. Can't create device!";
export const SIZE_DIFFERENT = "Can't map shmem fd: shmem size different from device size!";
