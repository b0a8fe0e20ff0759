// A hostile client of the SDM relay in a process of its own, which the relay figure
// (bench/figures/relay.ts) forks with its own TypeScript loader: writing a flood's 8 MiB, or a
// non-reading master's slave's signals, costs the process that writes them, and in the figure's
// own process that cost would slow the clients it times as well as the relay. Here only the relay
// stands between the hostile client and the others.
//
// Told what to do by message (HostileCommand), it answers (HostileReport) once its clients have
// joined, when the relay closes its hostile connection (the code it got), and once stopped.
import { LoadClient } from '../lib/ws-load.ts';

/** 'busy' is the stalled client's control: the same pair at the same rate, its master reading. */
export type HostileKind = 'flood' | 'stall' | 'busy';

export type HostileCommand =
  /** join `room` on the relay at `port` and misbehave as `kind` says until told to stop */
  | { start: HostileKind; port: number; room: string }
  /** close every connection of this client */
  | { stop: true };

export type HostileReport =
  /** listening for commands */
  | { ready: true }
  | { joined: HostileKind }
  /** the relay closed the hostile connection with `code` (LoadClient's: -1 without a close frame) */
  | { cut: number }
  | { stopped: true };

const send = (report: HostileReport) => {
  if (process.connected) process.send!(report);
};
let clients: LoadClient[] = [];

/**
 * The flood's 8 MiB of valid signals to slave 1 (nobody), built once at the start: encoding them
 * in the window would be this process's CPU on the cores the relay and the timed clients share,
 * where a real flooder's is on its own machine.
 */
const FLOOD = (() => {
  const frame = Buffer.from([0x82, 0x80 | 16, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  return Buffer.alloc(frame.length * 16 * 24_000, frame);
})();

/** A master that writes 8 MiB of valid signals at once (to a slave nobody is): cut at the rate limit. */
async function flood(port: number, room: string): Promise<void> {
  const master = await LoadClient.open(port);
  clients = [master];
  master.events.closed = (code) => {
    if (clients.includes(master)) send({ cut: code });
  };
  await master.join({ room, token: 'x', role: 'master', maxSlaves: 1 });
  send({ joined: 'flood' });
  master.socket.write(FLOOD);
}

/**
 * A master that reads nothing while its slave writes to it as fast as the rate limit lets one
 * client (2,000/s); or, `reading`, the same pair with a master that reads.
 */
async function pair(port: number, room: string, reading: boolean): Promise<void> {
  const master = await LoadClient.open(port);
  await master.join({ room, token: 'x', role: 'master', maxSlaves: 1 });
  const slave = await LoadClient.open(port);
  await slave.join({ room, token: 'x', role: 'slave' });
  if (!reading) master.socket.pause();
  clients = [master, slave];
  master.events.closed = (code) => {
    slave.close();
    if (clients.includes(master)) send({ cut: code });
  };
  send({ joined: reading ? 'busy' : 'stall' });
  const write = () => {
    if (slave.socket.destroyed || master.socket.destroyed) return;
    slave.signals(100, () => 0, 0, 0);
    setTimeout(write, 50);
  };
  write();
}

process.on('message', (command: HostileCommand) => {
  if ('stop' in command) {
    const closing = clients;
    clients = [];
    for (const client of closing) client.close();
    send({ stopped: true });
    return;
  }
  void (command.start === 'flood' ? flood(command.port, command.room) : pair(command.port, command.room, command.start === 'busy'));
});
// The figure is done with it (or gone).
process.on('disconnect', () => process.exit(0));
send({ ready: true });
