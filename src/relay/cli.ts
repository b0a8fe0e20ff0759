// ivshmem-wasm's command line: `npx ivshmem-wasm <command>`, today one command, `sdm-relay --port N
// [--host H] [--origin URL]... [--max-clients N] [--max-fps N]`.
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { listenRelay } from './server.ts';

const COMMANDS = `usage: ivshmem-wasm <command> [options]

commands:
  sdm-relay   the WebSocket relay of virtio-sdm's socket channel, for tabs and Node processes

ivshmem-wasm <command> --help   that command's options
ivshmem-wasm --version          the package's version`;

const USAGE = `usage: ivshmem-wasm sdm-relay [--port N] [--host ADDRESS] [--origin URL]... [--max-clients N] [--max-fps N] [--max-burst N] [--join-timeout MS] [--broker redis://HOST:PORT [--lease MS]] [--quiet]
  --port N         port to listen on (default 8765; 0 picks a free one)
  --host ADDRESS   address to listen on (default 127.0.0.1: this machine only)
  --origin URL     a web origin allowed to connect (repeatable; default http://localhost:5173 and
                   http://127.0.0.1:5173, the dev server); clients without an Origin (Node) are allowed
  --max-clients N  clients per room, the master included (default 64)
  --max-fps N      frames per second per client (default 2000)
  --max-burst N    frames a client may send back to back before --max-fps applies (default 512)
  --join-timeout MS  a connection that has not joined a room by then is closed (default 10000)
  --stats-every MS   print the relay's figures, its resident memory, CPU time and longest event-loop delay (JSON) every MS milliseconds
  --broker URL     join a cluster: rooms shared with every relay on this Redis broker (redis://HOST:PORT)
  --lease MS       with --broker: how long a relay's holdings (ids, masters) outlive it (default 3000)`;

function fail(message: string): never {
  console.error(`ivshmem-wasm sdm-relay: ${message}\n${USAGE}`);
  process.exit(2);
}

function number(name: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 0) fail(`${name} expects a whole number`);
  return n;
}

export async function main(args: string[]): Promise<void> {
  const command = args[0];
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(COMMANDS);
    return;
  }
  if (command === '--version') {
    // By the package's own name (its exports map lists package.json): the same from src/relay/ in
    // a checkout and from dist/src/relay/ in an installed package.
    console.log(createRequire(import.meta.url)('ivshmem-wasm/package.json').version);
    return;
  }
  if (command !== 'sdm-relay') {
    console.error(`ivshmem-wasm: ${command === undefined ? 'no command given' : `unknown command '${command}'`}\n${COMMANDS}`);
    process.exit(2);
  }
  await sdmRelay(args.slice(1));
}

async function sdmRelay(args: string[]): Promise<void> {
  let port = 8765;
  let host = '127.0.0.1';
  const origins: string[] = [];
  let maxClientsPerRoom: number | undefined;
  let maxFramesPerSecond: number | undefined;
  let maxBurst: number | undefined;
  let joinTimeoutMs: number | undefined;
  let statsEvery = 0;
  let broker: string | undefined;
  let leaseMs: number | undefined;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--port') port = number('--port', args[++i]);
    else if (arg === '--host') host = args[++i] ?? fail('--host expects an address');
    else if (arg === '--origin') origins.push(args[++i] ?? fail('--origin expects a URL'));
    else if (arg === '--max-clients') maxClientsPerRoom = number('--max-clients', args[++i]);
    else if (arg === '--max-fps') maxFramesPerSecond = number('--max-fps', args[++i]);
    else if (arg === '--max-burst') maxBurst = number('--max-burst', args[++i]);
    else if (arg === '--join-timeout') joinTimeoutMs = number('--join-timeout', args[++i]);
    else if (arg === '--broker') broker = args[++i] ?? fail('--broker expects a URL (redis://HOST:PORT)');
    else if (arg === '--lease') leaseMs = number('--lease', args[++i]);
    else if (arg === '--stats-every') statsEvery = number('--stats-every', args[++i]);
    else if (arg === '--quiet') quiet = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      return;
    } else fail(`unknown option '${arg}'`);
  }
  if (broker !== undefined && !/^rediss?:\/\//.test(broker)) fail('--broker expects a URL (redis://HOST:PORT)');
  const relay = await listenRelay({
    broker: broker === undefined ? undefined : { url: broker, leaseMs },
    port, host, maxClientsPerRoom, maxFramesPerSecond, maxBurst, joinTimeoutMs,
    origins: origins.length > 0 ? origins : ['http://localhost:5173', 'http://127.0.0.1:5173'],
    log: quiet ? undefined : (line) => console.log(line),
  }).catch((error: Error) => {
    // Not a usage mistake: the broker or the port, said in one line.
    console.error(`ivshmem-wasm sdm-relay: ${error.message}`);
    process.exit(1);
  });
  // The first line says where it listens: tests and scripts read it.
  console.log(`sdm-relay listening on ws://${relay.host}:${relay.port}${broker ? ` (cluster on ${broker})` : ''}`);
  if (statsEvery > 0) {
    // The event loop's longest delay since the previous line: the longest the relay read and
    // forwarded nothing (one client's frames parsed in one go, a garbage collection).
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    setInterval(() => {
      const cpu = process.cpuUsage();
      console.log(`stats ${JSON.stringify({ ...relay.relay.stats, rss: process.memoryUsage().rss, cpuUs: cpu.user + cpu.system, loopDelayMaxMs: delay.max / 1e6 })}`);
      delay.reset();
    }, statsEvery);
  }
  const stop = () => void relay.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const invoked = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (invoked) await main(process.argv.slice(2));
