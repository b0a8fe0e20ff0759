// Starter programs for the playground: each a whole guest program (TypeScript), the default
// export run as `main(vm, arg)` in every VM it is given to.

export interface Starter { id: string; title: string; device: string; source: string }

export const STARTERS: Starter[] = [
  {
    id: 'driver',
    title: 'Driver bring-up and vector handling',
    device: 'ivshmem-doorbell,chardev=srv,vectors=4',
    source: `// Bring the device up as a driver's probe does, then handle interrupts by vector.
export default async function main(vm: any) {
  vm.driver.enableDevice(vm.device);          // Command: IO | MEM | MASTER
  vm.driver.enableMsix(vm.device);            // MSI-X Enable in the capability at 0x40
  for (let v = 0; v < vm.device.vectors; v++) vm.driver.unmaskVector(vm.device, v);
  vm.log(\`VM \${vm.id} up with \${vm.device.vectors} vectors; peers: \${vm.peers().map((p: any) => p.id)}\`);
  for (;;) {
    const vector = vm.wait({ timeoutMs: 5000 });
    if (vector === -2) return 'stopped';
    if (vector === -1) { vm.log('nothing for 5 s'); continue; }
    switch (vector) {
      case 0: vm.log('vector 0: a doorbell'); break;
      case 1: vm.log('vector 1: data ready at offset 0:', vm.device.memoryBar.read(0, 4)); break;
      default: vm.log(\`vector \${vector}\`);
    }
  }
}
`,
  },
  {
    id: 'poll-vs-block',
    title: 'Polling vs blocking (run on two VMs)',
    device: 'ivshmem-doorbell,chardev=srv,vectors=1',
    source: `// The lowest ID pings, the other pongs; the pinger times 2000 round trips in each wait mode.
// Both ring as a driver does, writing the Doorbell register (BAR0 + 0x0c: the peer's ID in the
// high 16 bits, the vector in the low ones); vm.ring(peer, 0) is the same write.
export default async function main(vm: any) {
  vm.bringUp();
  let others = vm.peers().filter((p: any) => p.id !== vm.id && p.id !== 0);
  while (others.length === 0) {
    if (await vm.waitAsync({ timeoutMs: 100 }) === -2) return;
    others = vm.peers().filter((p: any) => p.id !== vm.id && p.id !== 0);
  }
  const peer = others[0].id;
  const regs = vm.device.bar(0);
  const doorbell = (peer << 16) | 0;          // vector 0 of the peer
  if (vm.id > peer) {
    for (;;) { const v = vm.wait({ mode: 'spin' }); if (v === -2) return; if (v >= 0) regs.write(0x0c, 4, doorbell); }
  }
  for (const mode of ['poll', 'spin', 'block']) {
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = performance.now();
      regs.write(0x0c, 4, doorbell);
      if (vm.wait({ mode, timeoutMs: 1000 }) < 0) break;
      times.push((performance.now() - t) * 1000);
      vm.roundTrip(times[times.length - 1]);
    }
    times.sort((a, b) => a - b);
    vm.log(\`\${mode}: median \${times[times.length >> 1]?.toFixed(1)} us over \${times.length} round trips\`);
  }
  return 'done';
}
`,
  },
  {
    id: 'request-response',
    title: 'Request/response through shared memory',
    device: 'ivshmem-doorbell,chardev=srv,vectors=2',
    source: `// The lowest-ID VM serves: a client writes a number at 0x100 + 16 * its ID and rings vector 1;
// the server writes the square at +4 and rings the client's vector 0.
export default async function main(vm: any) {
  vm.bringUp();
  const mem = vm.device.memoryBar;
  const ids = () => vm.peers().map((p: any) => p.id).filter((id: number) => id !== 0).sort((a: number, b: number) => a - b);
  await vm.waitAsync({ timeoutMs: 300 });  // let the others sign in
  const server = ids()[0];
  if (vm.id === server) {
    vm.log('serving');
    for (;;) {
      const v = vm.wait();
      if (v === -2) return;
      for (const id of ids()) {
        const slot = 0x100 + 16 * id;
        if (id === vm.id || mem.read(slot + 8, 4) !== 1) continue;
        const n = mem.read(slot, 4);
        mem.write(slot + 4, 4, n * n);
        mem.write(slot + 8, 4, 2);
        vm.ring(id, 0);
      }
    }
  }
  const slot = 0x100 + 16 * vm.id;
  for (let n = 1; n <= 10; n++) {
    mem.write(slot, 4, n);
    mem.write(slot + 8, 4, 1);       // request pending
    vm.ring(server, 1);
    if (vm.wait({ timeoutMs: 1000 }) < 0) { vm.log('no answer'); continue; }
    vm.log(\`\${n}^2 = \${mem.read(slot + 4, 4)}\`);
  }
  return 'done';
}
`,
  },
  {
    id: 'intx',
    title: 'INTx handler on the legacy device',
    device: 'ivshmem,chardev=srv,msi=off',
    source: `// The legacy device with msi=off interrupts through INTx: IntrMask (BAR0 + 0) lets bits of
// IntrStatus (BAR0 + 4) raise the line; reading IntrStatus clears it (level-triggered).
export default async function main(vm: any) {
  vm.driver.enableDevice(vm.device);
  const regs = vm.device.bar(0);
  regs.write(0, 4, 0xffffffff);               // IntrMask: all sources
  vm.log(\`VM \${vm.id}: INTx handler installed\`);
  for (;;) {
    const v = vm.wait({ timeoutMs: 5000 });
    if (v === -2) return;
    if (v < 0) continue;
    const status = regs.read(4, 4);           // read-to-clear, or the line stays up
    vm.log(\`INTx: IntrStatus = 0x\${status.toString(16)}\`);
  }
}
`,
  },
  {
    id: 'runaway',
    title: 'A loop that never waits (press Stop)',
    device: 'ivshmem-doorbell,chardev=srv,vectors=1',
    source: `// This loop never waits, so it never sees a stop request: Stop terminates the VM after a grace
// period and starts a fresh one, and the page stays responsive throughout.
export default async function main(vm: any) {
  vm.log('spinning forever');
  let n = 0;
  for (;;) n++;
}
`,
  },
];
