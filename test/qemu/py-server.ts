// Runs ivshmem-server.py and talks to it: one JSON command per line, one JSON reply per line.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ScenarioServer } from './scenario.ts';

const SCRIPT = fileURLToPath(new URL('./ivshmem-server.py', import.meta.url));
const SETTLE_BUDGET_MS = 20_000;

export interface ServerLogEntry { to: number; value: number; fd: boolean }

export class PyServer {
  private readonly replies: ((line: string) => void)[] = [];
  private readonly stderr: string[] = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.replies.shift()?.(line));
    child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    child.on('exit', (code) => {
      for (const reply of this.replies.splice(0)) reply(JSON.stringify({ error: `server exited (${code}): ${this.stderr.join('')}` }));
    });
  }

  static async start(path: string, options: ScenarioServer): Promise<PyServer> {
    const child = spawn('python3', [SCRIPT, path, String(options.size), String(options.vectors)], { stdio: 'pipe' });
    const server = new PyServer(child);
    const ready = await server.reply();
    if (!(ready as { ready?: boolean }).ready) throw new Error(`ivshmem-server.py did not start: ${JSON.stringify(ready)}`);
    return server;
  }

  private reply(): Promise<unknown> {
    return new Promise((resolve) => this.replies.push((line) => resolve(JSON.parse(line))));
  }

  async command<T>(line: string): Promise<T> {
    const reply = this.reply();
    this.child.stdin.write(`${line}\n`);
    const answer = (await reply) as { ok?: T; error?: string };
    if (answer.error !== undefined) throw new Error(`ivshmem-server.py: ${line}: ${answer.error}`);
    return answer.ok as T;
  }

  /** Resolves once every peer `counted` accepts has read all its messages and eventfds. */
  async settled(counted: (id: number) => boolean): Promise<void> {
    const deadline = performance.now() + SETTLE_BUDGET_MS;
    for (;;) {
      const counts = await this.command<Record<string, { eventfds: number[]; unread: number }>>('counts');
      const busy = Object.entries(counts).filter(([id, c]) => counted(Number(id)) && (c.unread > 0 || c.eventfds.some((n) => n > 0)));
      if (busy.length === 0) return;
      if (performance.now() > deadline) throw new Error(`QEMU did not take its server messages and doorbells within ${SETTLE_BUDGET_MS / 1000} s: ${JSON.stringify(busy)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  join(): Promise<{ client: number; id: number }> { return this.command('join'); }
  async take(client: number): Promise<number[]> { return (await this.command<{ counts: number[] }>(`take ${client}`)).counts; }
  async ring(client: number, peer: number, vector: number): Promise<boolean> {
    return (await this.command<{ rung: boolean }>(`ring ${client} ${peer} ${vector}`)).rung;
  }
  async leave(client: number): Promise<void> { await this.command(`leave ${client}`); }
  log(): Promise<ServerLogEntry[]> { return this.command('log'); }

  async quit(): Promise<ServerLogEntry[]> {
    const reply = new Promise<string>((resolve) => this.replies.push(resolve));
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.write('quit\n');
    const log = JSON.parse(await reply) as ServerLogEntry[];
    await gone;
    return log;
  }
}
