// A load generator's WebSocket client of the SDM relay, written for cost rather than comfort: the
// relay's figure must measure the relay, and a ws client spends some microseconds per frame sent or
// received, which at 100,000 signals a second would make the generator the bottleneck on the same
// two cores. This one upgrades with a plain HTTP request and then writes signals pre-encoded
// (masked with the key 0, which RFC 6455 allows and which leaves the payload as it is), many per
// write, and reads the relay's frames straight from the socket's bytes.
import { connect, type Socket } from 'node:net';

const SIGNAL = 16;
/** a client frame: FIN + binary, MASK + length 16, the key 0, the payload */
const FRAME = 6 + SIGNAL;

export interface LoadClientEvents {
  /** a signal from the relay (16 bytes; a view valid only during the call) */
  signal?(bytes: Buffer, at: number): void;
  /** a control frame (JSON) */
  text?(frame: Record<string, unknown>): void;
  /** the connection ended */
  closed?(code: number): void;
}

export class LoadClient {
  private pending = Buffer.alloc(0);
  closeCode = -1;

  private constructor(readonly socket: Socket, public events: LoadClientEvents) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.events.closed?.(this.closeCode));
  }

  static open(port: number, events: LoadClientEvents = {}): Promise<LoadClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from('sdm-relay-bench!').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      let head = '';
      const onHead = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onHead);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        const client = new LoadClient(socket, events);
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length) client.read(rest);
        resolve(client);
      };
      socket.on('data', onHead);
    });
  }

  /** Sends a JSON control frame. */
  text(frame: unknown): void {
    const payload = Buffer.from(JSON.stringify(frame));
    const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff, 0, 0, 0, 0]);
    this.socket.write(Buffer.concat([header, payload]));
  }

  /** Joins and resolves with the relay's answer (welcome or error). */
  join(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const previous = this.events.text;
      this.events.text = (answer) => {
        this.events.text = previous;
        resolve(answer);
      };
      this.text({ type: 'join', ...frame });
    });
  }

  /** Signals, written at once: `count` frames to `to` (a master's destination; 0 from a slave), payload [seq + i, stamp]. */
  signals(count: number, to: (i: number) => number, seq: number, stamp: number): void {
    const out = Buffer.allocUnsafe(count * FRAME);
    for (let i = 0; i < count; i++) {
      const at = i * FRAME;
      out[at] = 0x82;
      out[at + 1] = 0x80 | SIGNAL;
      out.writeUInt32LE(0, at + 2);
      out.writeUInt32LE(0, at + 6);
      out.writeUInt32LE(to(i), at + 10);
      out.writeUInt32LE((seq + i) >>> 0, at + 14);
      out.writeUInt32LE(stamp >>> 0, at + 18);
    }
    this.socket.write(out);
  }

  close(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const at = performance.now();
    let offset = 0;
    while (data.length - offset >= 2) {
      const opcode = data[offset] & 0x0f;
      let length = data[offset + 1] & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(offset + 2);
        start = offset + 4;
      } else if (length === 127) {
        throw new Error('the relay sent a frame above 64 KiB');
      }
      if (data.length < start + length) break;
      const payload = data.subarray(start, start + length);
      if (opcode === 2) this.events.signal?.(payload, at);
      else if (opcode === 1) this.events.text?.(JSON.parse(payload.toString()));
      else if (opcode === 8) this.closeCode = length >= 2 ? payload.readUInt16BE(0) : 1005;
      offset = start + length;
    }
    data = data.subarray(offset);
    this.pending = data.length ? Buffer.from(data) : Buffer.alloc(0);
  }
}
