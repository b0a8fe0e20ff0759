// QEMU's pair and server cases again, now as real VM workers that run the guest side themselves:
// the doorbell crosses threads and the interrupt is caught by the guest, not only its PBA bit.
import { expect } from 'chai';
import { driver, until } from './helpers.ts';
import type { CaseGroup } from './case.ts';
import { machineOf } from '../../src/host.ts';

export const vmWorkers: CaseGroup = {
  group: 'QEMU cases with VM workers',
  cases: [
    {
      name: '/ivshmem/pair in two VM workers',
      async run(env) {
        const host = await env.host();
        host.addObject('memory-backend-file,id=mb1,size=1M,share=on,mem-path=/dev/shm/pair');
        host.addObject('memory-backend-file,id=mb2,size=1M,share=on,mem-path=/dev/shm/pair');
        const bytes = machineOf(host).bytes;
        const file = machineOf(host).files.get('/dev/shm/pair')!;
        bytes.fill(0x42, file.region.offset, file.region.offset + file.size);
        const step = env.program('pair');
        const vm1 = await host.spawn({ device: 'ivshmem-plain,memdev=mb1', program: step, arg: { expect: 0x42 } });
        const vm2 = await host.spawn({ device: 'ivshmem-plain,memdev=mb2', program: step, arg: { expect: 0x42 } });
        try {
          expect(await vm1.result, 'guest 1 sees 0x42').to.equal(true);
          expect(await vm2.result, 'guest 2 sees 0x42').to.equal(true);
          expect(await vm1.run(step, { expect: 0x42, write: 0x43 })).to.equal(true);
          expect(await vm2.run(step, { expect: 0x43, write: 0x44 }), 'guest 2 sees 0x43').to.equal(true);
          expect(await vm1.run(step, { expect: 0x44 }), 'guest 1 sees 0x44').to.equal(true);
          expect(await vm1.run(step, { expect: 0x43 }), 'and not something else').to.equal(false);
        } finally {
          await Promise.all([vm1.terminate(), vm2.terminate()]);
        }
      },
    },
    {
      name: '/ivshmem/server in two VM workers, catching the interrupt',
      async run(env) {
        const host = await env.host();
        const server = host.addServer({ id: 'srv', size: '1M', vectors: 2 });
        const vm1 = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program: env.program('server-case'), arg: { first: true } });
        const vm2 = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv,vectors=2', program: env.program('server-case'), arg: { first: false } });
        try {
          const [r1, r2] = await Promise.all([vm1.result, vm2.result]) as Record<string, unknown>[];
          expect(r1.id).to.not.equal(r2.id);
          expect([r1.id, r2.id].every((id) => (id as number) >= 0)).to.equal(true);
          expect([r1.tableSize, r2.tableSize]).to.deep.equal([2, 2]);
          expect([r1.clearBefore, r2.clearBefore]).to.deep.equal([true, true]);
          expect([r1.vector, r2.vector], 'the interrupt each guest caught').to.deep.equal([0, 1]);
          expect([r1.pendingAfter, r2.pendingAfter]).to.deep.equal([false, false]);
          expect(vm1.counters.delivered).to.deep.equal([1, 0]);
          expect(vm2.counters.delivered).to.deep.equal([0, 1]);
          expect(server.peerIds).to.have.length(2);
        } finally {
          await Promise.all([vm1.terminate(), vm2.terminate()]);
        }
      },
    },
    {
      name: 'pin-based devices in VMs: legacy msi=off and the 2010 device ping-pong through INTx',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', vectors: 1, socket: '/tmp/ivshmem2010' });
        const models: [string, number][] = [['ivshmem,chardev=srv,msi=off,size=1M', 1], ['-ivshmem 1,unix:/tmp/ivshmem2010', 0x7e]];
        for (const [device, status] of models) {
          const a = await host.spawn({ device, program: env.program('intx-ping-pong'), arg: { rounds: 300, serve: false } });
          const b = await host.spawn({ device, program: env.program('intx-ping-pong'), arg: { rounds: 300, serve: true } });
          try {
            const expected = { received: 300, statuses: [status], lineAfter: false };
            expect(await Promise.all([a.result, b.result]), device).to.deep.equal([expected, expected]);
            expect(a.counters.delivered[0]).to.equal(300);
          } finally {
            await Promise.all([a.terminate(), b.terminate()]);
          }
        }
      },
    },
    {
      name: 'a VM that never waits sees a newcomer through its register accesses, and rings it',
      async run(env) {
        const host = await env.host();
        host.addServer({ id: 'srv', size: '1M', vectors: 1 });
        const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv', program: env.program('newcomer') });
        try {
          await until(() => vm.log.length > 0, 'the VM looking', 60_000);
          const newcomer = host.realize('ivshmem-doorbell,chardev=srv');
          driver.bringUpDoorbell(newcomer);
          expect(await vm.result).to.equal(newcomer.ivPosition);
          // Delivered, or dropped if it came before bringUp enabled MSI-X: either way it arrived.
          const seen = newcomer.interrupts;
          // A doorbell that came while the newcomer's block was being built was once wiped by its reset.
          expect(seen.delivered(0) + seen.dropped, `delivered ${seen.delivered(0)}, dropped ${seen.dropped}, lost ${seen.lost}, pending ${seen.pending(0)}`).to.equal(1);
        } finally {
          await vm.terminate();
        }
      },
    },
  ],
};
