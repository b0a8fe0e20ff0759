// docs/sdm.md's two-process example runs as written: its master.mjs and slave.mjs, taken from the
// doc, each in a Node process of its own, signal each other through a relay process (RELAY names
// it, as the doc says). Only the package's name is pointed at this checkout's source.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { docBlocksAfter } from './readme-blocks.ts';
import { startRelay, type RelayProcess } from './sdm-relay-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = pathToFileURL(join(root, 'src/index.ts')).href;
let relay: RelayProcess;
let scratch: string;
beforeAll(async () => {
  relay = await startRelay();
  scratch = await mkdtemp(join(tmpdir(), 'sdm-docs-'));
}, 60_000);
afterAll(async () => {
  await relay?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function run(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // tsx: the checkout's source is TypeScript (an installed package is not).
    execFile(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, RELAY: relay.url }, timeout: 90_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test("the two-process example (master.mjs, slave.mjs) runs as written: three IRQs answered across the relay", async () => {
  const [master, slave] = docBlocksAfter('sdm.md', '## Two processes, step by step', 2, 'js');
  for (const source of [master, slave]) expect(source).toMatch(/^import \{ Host, SdmDriver \} from 'ivshmem-wasm';$/m);
  const local = (source: string) => source.replace("from 'ivshmem-wasm'", `from '${entry}'`);
  await writeFile(join(scratch, 'master.mjs'), local(master));
  await writeFile(join(scratch, 'slave.mjs'), local(slave));
  const [masterOut, slaveOut] = await Promise.all([run(join(scratch, 'master.mjs')), run(join(scratch, 'slave.mjs'))]);
  expect(masterOut.trim().split('\n')).toEqual(['master: slave 1 answered [2,1]', 'master: slave 1 answered [3,1]', 'master: slave 1 answered [4,1]']);
  expect(slaveOut.trim().split('\n')).toEqual(['slave 1: IRQ [1,51966]', 'slave 1: IRQ [2,51966]', 'slave 1: IRQ [3,51966]']);
}, 120_000);
