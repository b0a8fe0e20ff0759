// The README's examples run as written (after the import line), so the docs cannot drift.
import { expect, test } from 'vitest';
import * as ivshmem from '../../src/index.ts';
import { codeBlocksAfter } from './readme-blocks.ts';

test('the short example and the ivshmem-client example run as written', async () => {
  const source = codeBlocksAfter('## A short example', 2).join('\n').replace(/^import .*$/m, '');
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const run = new AsyncFunction('Host', 'driver', `${source}\nreturn { a, client, plain };`);
  const { a, client, plain } = await run(ivshmem.Host, ivshmem.driver);
  expect(plain.config.read(0x00, 2)).toBe(0x1af4);
  expect(plain.bar(2).read(0, 4)).toBe(0xcafe);
  expect(client.output[0]).toMatch(/^our_id = 2\n/);
  expect(a.interrupts.delivered(1), "the example's doorbell, then the client's 'int 0 1'").toBe(2);
});

test('the ivshmem-v2 example runs as written', async () => {
  const [source] = codeBlocksAfter('## ivshmem-v2: Jailhouse', 1);
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const host = await ivshmem.Host.create({ memory: '32M' });
  const run = new AsyncFunction('host', 'driver', `${source}\nreturn { cell, found };`);
  const { cell, found } = await run(host, ivshmem.driver);
  expect(found.output(1)).toEqual({ offset: 0x10000 - 0x4000, size: 0x4000 });
  expect(cell.v2.state).toBe(1);
  expect(cell.v2.output.length).toBe(0x4000);
  await host.shutdown();
});
