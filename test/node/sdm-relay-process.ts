// A real relay process for the tests: `node bin/ivshmem-wasm.mjs sdm-relay ...`, as a user runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { until } from '../cases/helpers.ts';

const bin = fileURLToPath(new URL('../../bin/ivshmem-wasm.mjs', import.meta.url));

export interface RelayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: string[];
  /** the last figures it printed (`--stats-every MS`) */
  stats(): RelayStatsLine | undefined;
  stop(): Promise<void>;
}

/** What `--stats-every` prints (the relay's RelayStats as JSON). */
export interface RelayStatsLine {
  clients: number;
  rooms: number;
  forwarded: number;
  reads: number;
  discarded: number;
  dropped: number;
  closes: Record<'relay' | 'ws' | 'peer', Record<string, number>>;
  broker?: Record<string, number>;
  /** the event loop's longest delay since the previous line */
  loopDelayMaxMs: number;
}

export function startRelay(args: string[] = [], port = 0, budgetMs = 30_000): Promise<RelayProcess> {
  const child = spawn(process.execPath, [bin, 'sdm-relay', '--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the relay did not start within ${budgetMs / 1000} s: ${output.join('\n')}`));
    }, budgetMs);
    const onLine = (line: string) => {
      output.push(line);
      const match = /^sdm-relay listening on (ws:\/\/[^:]+:(\d+))( \(cluster on .*\))?$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: match[1],
        port: Number(match[2]),
        child,
        output,
        stats: () => {
          const line = output.findLast((l) => l.startsWith('stats '));
          return line === undefined ? undefined : JSON.parse(line.slice('stats '.length));
        },
        stop: () => new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    };
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      lines.forEach(onLine);
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the relay exited (${code}): ${output.join('\n')}`));
    });
  });
}

/** A raw WebSocket client of the relay, recording what it gets. */
export interface RawClient {
  ws: WebSocket;
  text: Record<string, unknown>[];
  signals: Uint8Array[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** the HTTP status when the relay refused the upgrade */
  refusedWith: Promise<number>;
  send(frame: unknown): void;
}

export function client(url: string, origin?: string): RawClient {
  const ws = new WebSocket(url, origin === undefined ? {} : { origin });
  const text: Record<string, unknown>[] = [];
  const signals: Uint8Array[] = [];
  let refused!: (status: number) => void;
  const refusedWith = new Promise<number>((resolve) => { refused = resolve; });
  ws.on('unexpected-response', (_req, res) => {
    refused(res.statusCode ?? 0);
    ws.terminate();
  });
  ws.on('error', () => {});
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) signals.push(new Uint8Array(data));
    else text.push(JSON.parse(data.toString()));
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before opening')));
  });
  opened.catch(() => {});
  return {
    ws,
    text,
    signals,
    opened,
    closed: new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }))),
    refusedWith,
    send: (frame) => ws.send(frame instanceof Uint8Array ? frame : JSON.stringify(frame)),
  };
}

/** Sends a join and resolves with the relay's answer (its welcome or its error). */
export async function joined(c: RawClient, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
  await c.opened;
  c.send({ type: 'join', ...frame });
  await until(() => c.text.some((t) => t.type === 'welcome' || t.type === 'error'), 'an answer to join', 20_000);
  return c.text.find((t) => t.type === 'welcome' || t.type === 'error')!;
}

export function signal(type: number, slave: number, p0 = 0, p1 = 0): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, slave, true);
  view.setUint32(8, p0, true);
  view.setUint32(12, p1, true);
  return bytes;
}
