import type { CaseGroup } from './case.ts';
import { qemuIvshmemTest } from './qemu-ivshmem-test.ts';
import { configSpace } from './config-space.ts';
import { registers } from './registers.ts';
import { interrupts } from './interrupts.ts';
import { serverProtocol } from './server-protocol.ts';
import { legacy } from './legacy.ts';
import { model2010 } from './model-2010.ts';
import { options } from './options.ts';
import { migration } from './migration.ts';
import { vmWorkers } from './vm-workers.ts';
import { ivshmemClient } from './ivshmem-client.ts';
import { extensions } from './extensions.ts';
import { rings } from './rings.ts';
import { ivshmemFlat } from './ivshmem-flat.ts';
import { ivshmemV2 } from './ivshmem-v2.ts';
import { ivshmem2Server } from './ivshmem2-server.ts';

export const allGroups: CaseGroup[] = [qemuIvshmemTest, configSpace, registers, interrupts, serverProtocol, legacy, model2010, options, migration, ivshmemClient, extensions, vmWorkers, rings, ivshmemFlat, ivshmemV2, ivshmem2Server];
