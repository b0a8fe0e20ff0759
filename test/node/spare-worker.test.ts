// After a VM starts, the next VM's worker is started in the background (src/vm/worker-thread.ts).
// That spare must never keep a Node process alive: a script that spawns and terminates VMs ends
// when its work ends, as it did before there was a spare. The spare says when it has booted
// (host.prepareVm(), which the spawn benchmark waits for), and listening for that holds nothing either.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const script = `
import { Host } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)};
const host = await Host.create({ memory: '16M' });
host.addServer({ id: 'srv', size: '1M', vectors: 1 });
for (let i = 0; i < 2; i++) {
  const vm = await host.spawn({ device: 'ivshmem-doorbell,chardev=srv' });
  await vm.terminate();
}
console.log('spawned and terminated 2 VMs');
await host.prepareVm();
console.log('the spare worker booted');
`;

test('a process that spawned VMs exits on its own, spare worker and all, after the spare says it booted', async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 90_000 }, (error, out, err) => {
      if (error) reject(new Error(`${error.message}\n${err}`)); else resolve({ stdout: out });
    });
  });
  expect(stdout).toContain('spawned and terminated 2 VMs');
  expect(stdout).toContain('the spare worker booted');
}, 120_000);
