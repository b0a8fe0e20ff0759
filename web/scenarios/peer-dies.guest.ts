// Request/response with a peer that may die: the client writes a request number in its slot of
// the shared memory and rings the server VM; the server answers in its own slot and rings back.
// A client whose answer does not come within a timeout looks at the peer table: if the server has
// gone (the ivshmem-server said so), it waits for another to sign in.
import type { WorkbenchGuest } from '../guest/runner.ts';

const ROLE_SERVER = 2;

export default async function main(vm: WorkbenchGuest, arg: { role: 'client' | 'server'; holdMs: number }) {
  vm.bringUp();
  const mem = vm.device.memoryBar;
  mem.write(vm.id * 4, 4, arg.role === 'server' ? ROLE_SERVER : 1);
  const servers = () => vm.peers().map((p) => p.id).filter((id) => id !== vm.id && id < 32 && mem.read(id * 4, 4) === ROLE_SERVER);
  if (arg.role === 'server') {
    for (;;) {
      const v = await vm.waitAsync();
      if (v === -2) return;
      if (v < 0) continue;
      // The request's sender wrote its ID at 0xe0; the answer goes to 0xe4.
      const client = mem.read(0xe0, 4);
      mem.write(0xe4, 4, mem.read(0xe8, 4));
      vm.ring(client, 0);
    }
  }
  let request = 0;
  for (;;) {
    const server = servers()[0];
    if (server === undefined) {
      vm.log('no server VM: waiting for one to sign in');
      while (servers().length === 0) if (await vm.waitAsync({ timeoutMs: 200 }) === -2) return;
      vm.log(`server VM ${servers()[0]} is there`);
      continue;
    }
    request++;
    mem.write(0xe0, 4, vm.id);
    mem.write(0xe8, 4, request);
    vm.ring(server, 0);
    const v = await vm.waitAsync({ timeoutMs: 1000 });
    if (v === -2) return;
    if (v < 0 || mem.read(0xe4, 4) !== request) {
      const gone = !vm.peers().some((p) => p.id === server);
      vm.log(gone ? `request ${request}: no answer, and the server says peer ${server} is gone` : `request ${request}: no answer yet`);
      continue;
    }
    if (arg.holdMs) await new Promise((resolve) => setTimeout(resolve, arg.holdMs));
  }
}
