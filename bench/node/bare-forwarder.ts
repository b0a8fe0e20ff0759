// The relay figure's baseline (bench/figures/relay.ts): a forwarder made of node:net alone, speaking
// just enough of the relay's protocol for the figure's load clients (the upgrade, a join answered
// with the next id of the room, 16-byte signals forwarded master to slave and back), with no ws, no
// checks, no limits and no cork: one read and one write a signal is all it does. What it costs a
// signal on this machine is what any relay written in Node would pay at least; the figure measures
// it beside the relay. It prints what the relay prints for the figure: where it listens, then its
// figures every 100 ms (`stats {...}`: forwarded, reads, clients, resident memory, CPU time).
import { createServer, type Socket } from 'node:net';

interface Member {
  socket: Socket;
  room?: { master?: Member; slaves: Member[] };
  id: number;
}

const rooms = new Map<string, { master?: Member; slaves: Member[] }>();
const counts = { forwarded: 0, reads: 0, clients: 0 };

/** A server frame: FIN + opcode, the length (< 126: every frame of this protocol), the payload. */
function frame(opcode: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + payload.length);
  out[0] = 0x80 | opcode;
  out[1] = payload.length;
  out.set(payload, 2);
  return out;
}

function onFrame(member: Member, opcode: number, payload: Buffer): void {
  if (opcode === 1) {
    const join = JSON.parse(payload.toString()) as { room: string; role: 'master' | 'slave' };
    let room = rooms.get(join.room);
    if (!room) rooms.set(join.room, room = { slaves: [] });
    member.room = room;
    if (join.role === 'master') room.master = member;
    else member.id = room.slaves.push(member);
    member.socket.write(frame(1, Buffer.from(JSON.stringify({ type: 'welcome', id: member.id }))));
    return;
  }
  if (opcode !== 2 || !member.room) return;
  const to = member.id === 0 ? member.room.slaves[payload.readUInt32LE(4) - 1] : member.room.master;
  if (!to) return;
  payload.writeUInt32LE(member.id, 4);
  to.socket.write(frame(2, payload));
  counts.forwarded++;
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  counts.clients++;
  const member: Member = { socket, id: 0 };
  let pending = Buffer.alloc(0);
  let upgraded = false;
  socket.on('data', (chunk: Buffer) => {
    counts.reads++;
    let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    if (!upgraded) {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) {
        pending = Buffer.from(data);
        return;
      }
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      upgraded = true;
      data = data.subarray(end + 4);
    }
    let offset = 0;
    // Client frames are masked (RFC 6455): a 2-byte header, a 4-byte key, the payload.
    while (data.length - offset >= 6 && data.length - offset >= 6 + (data[offset + 1] & 0x7f)) {
      const length = data[offset + 1] & 0x7f;
      const payload = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i++) payload[i] = data[offset + 6 + i] ^ data[offset + 2 + (i & 3)];
      onFrame(member, data[offset] & 0x0f, payload);
      offset += 6 + length;
    }
    pending = Buffer.from(data.subarray(offset));
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    counts.clients--;
    const room = member.room;
    if (room?.master === member) room.master = undefined;
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`bare forwarder listening on ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  setInterval(() => {
    const cpu = process.cpuUsage();
    console.log(`stats ${JSON.stringify({ ...counts, rss: process.memoryUsage().rss, cpuUs: cpu.user + cpu.system, closes: { relay: {}, ws: {}, peer: {} } })}`);
  }, 100);
});
process.on('SIGTERM', () => process.exit(0));
