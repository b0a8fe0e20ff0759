// A real Redis broker for the relay's cluster tests: Debian's redis-server (scripts/install-broker.sh
// installs it; .ci/run does), started on a free loopback port with nothing saved to disk, stopped by
// the test. restart() stops it and starts it again empty on the same port, as a broker restart is.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { createClient } from '@redis/client';

export interface BrokerProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** stops it, runs `whileDown` (if any), and starts it again, empty, on the same port */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** one command on a connection of its own (what the broker holds, seen from outside the relays) */
  command(args: string[]): Promise<unknown>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function redisServer(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error("the cluster tests need Debian's redis-server: run 'bash scripts/install-broker.sh' (as .ci/run does)");
  }
}

function run(binary: string, port: number, budgetMs: number): Promise<ChildProcess> {
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'notice'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within ${budgetMs / 1000} s: ${output.join('')}`));
    }, budgetMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (/Ready to accept connections/.test(output.join(''))) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output.join('')}`));
    });
  });
}

const stopped = (child: ChildProcess) => new Promise<void>((done) => {
  if (child.exitCode !== null || child.signalCode !== null) return done();
  child.once('exit', () => done());
  child.kill('SIGKILL');
});

export async function startBroker(budgetMs = 30_000): Promise<BrokerProcess> {
  const binary = redisServer();
  const port = await freePort();
  let child = await run(binary, port, budgetMs);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopped(child),
    async restart(whileDown) {
      await stopped(child);
      await whileDown?.();
      child = await run(binary, port, budgetMs);
    },
    async command(args) {
      const connection = createClient({ url: `redis://127.0.0.1:${port}` });
      await connection.connect();
      try {
        return await connection.sendCommand(args);
      } finally {
        connection.destroy();
      }
    },
  };
}
