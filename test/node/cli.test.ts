// The command line as a user runs it: `node bin/ivshmem-wasm.mjs ...`, its exit code and which
// stream it writes to (help asked for is output; a mistake is an error, exit 2).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/ivshmem-wasm.mjs', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

test.each([['--help'], ['-h'], ['help']])('%s lists the commands on stdout and exits 0', async (flag) => {
  const { code, stdout, stderr } = await cli(flag);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/^usage: ivshmem-wasm <command>/);
  expect(stdout).toMatch(/^\s+sdm-relay\s+\S/m);
}, 60_000);

test('--version prints the package version', async () => {
  expect(await cli('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
}, 60_000);

test.each([
  [[], 'no command given'],
  [['relay'], "unknown command 'relay'"],
  [['--port', '8765'], "unknown command '--port'"],
])('%j: says what is wrong and the usage on stderr, exits 2', async (args, message) => {
  const { code, stdout, stderr } = await cli(...args);
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr).toMatch(new RegExp(`^ivshmem-wasm: ${message}\\nusage: ivshmem-wasm <command>`));
  expect(stderr).toMatch(/^\s+sdm-relay\s/m);
}, 60_000);

test("sdm-relay --help: the relay's options, as before", async () => {
  const { code, stdout } = await cli('sdm-relay', '--help');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^usage: ivshmem-wasm sdm-relay \[--port N\]/);
  expect(stdout).toMatch(/--max-fps N/);
  expect(stdout).toMatch(/--max-burst N/);
}, 60_000);

test('sdm-relay --broker with no broker there: says so in one line and exits 1, rather than retrying forever', async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  const { code, stdout, stderr } = await cli('sdm-relay', '--port', '0', '--broker', 'redis://127.0.0.1:1');
  expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: 'ivshmem-wasm sdm-relay: cannot reach the broker at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n' });
}, 60_000);

test('sdm-relay --max-burst 0: refused in one line, exit 1, before it listens', async () => {
  const { code, stdout, stderr } = await cli('sdm-relay', '--port', '0', '--max-burst', '0');
  expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: "ivshmem-wasm sdm-relay: the relay's maxBurst must be a whole number of frames, at least 1 (got 0)\n" });
}, 60_000);
