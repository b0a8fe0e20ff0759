// The native references (bench/native/roundtrip.c), built with the system compiler when there is
// one. Without a compiler the figures say so instead of a number.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const source = fileURLToPath(new URL('./roundtrip.c', import.meta.url));
const binary = fileURLToPath(new URL('../../build/native-roundtrip', import.meta.url));

export type NativeMode = 'spin' | 'eventfd';

/** Builds the program if needed: undefined when it is ready, else why it is not. */
export async function buildNative(): Promise<string | undefined> {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return undefined;
  mkdirSync(fileURLToPath(new URL('../../build/', import.meta.url)), { recursive: true });
  try {
    await run('cc', ['-O2', '-o', binary, source]);
    return undefined;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    return e.code === 'ENOENT' ? 'no C compiler (cc) on this machine: native reference not measured'
      : `cc failed, native reference not measured: ${String(e.stderr ?? e.message).trim().split('\n')[0]}`;
  }
}

/** Microseconds per round trip over `rounds` round trips between two processes. */
export async function nativeRoundTrip(mode: NativeMode, rounds: number): Promise<number> {
  const { stdout } = await run(binary, [mode, String(rounds)]);
  return Number(stdout.trim());
}
