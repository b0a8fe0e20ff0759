import type { CaseGroup } from './case.ts';
import { qemuIvshmemTest } from './qemu-ivshmem-test.ts';

export const allGroups: CaseGroup[] = [qemuIvshmemTest];
