// Serving the relay: on its own port (the CLI, tests), or on an existing HTTP server at a path
// (the Vite dev server's plugin). Frames above MAX_FRAME bytes are refused by ws itself (close
// 1009); a browser whose Origin is not allowed gets HTTP 403 before any WebSocket exists.
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { DEFAULT_MAX_CLIENTS, Relay, type RelayOptions } from './relay.ts';
import { ClusterRooms, type ClusterOptions } from './cluster-rooms.ts';

/** ws's maxPayload: anything above is not a frame of this protocol */
export const MAX_FRAME = 4096;

export interface ListeningRelay {
  relay: Relay;
  /** the port it listens on (useful with port 0) */
  port: number;
  host: string;
  close(): Promise<void>;
}

export interface ListenOptions extends RelayOptions {
  port: number;
  /** default 127.0.0.1: only this machine can connect */
  host?: string;
  /** join a cluster: rooms shared with the other relays on this Redis broker */
  broker?: ClusterOptions;
}

export async function listenRelay(options: ListenOptions): Promise<ListeningRelay> {
  const rooms = options.broker
    ? await ClusterRooms.connect(options.broker, options.maxClientsPerRoom ?? DEFAULT_MAX_CLIENTS, options.log ?? (() => {}))
    : undefined;
  const relay = new Relay({ ...options, rooms });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({
      port: options.port,
      host,
      maxPayload: MAX_FRAME,
      verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
        if (relay.originAllowed(info.req)) done(true);
        else done(false, 403, 'Origin not allowed');
      },
    });
    wss.on('connection', (ws, request) => relay.accept(ws, request));
    wss.once('error', reject);
    wss.once('listening', () => {
      const address = wss.address();
      resolve({
        relay,
        host,
        port: address && typeof address === 'object' ? address.port : options.port,
        close: () => new Promise<void>((done) => {
          void relay.close().then(() => wss.close(() => done()));
        }),
      });
    });
  });
}

/** Serves the relay on `server` at `path` (the dev server's plugin); browsers only from the same host. */
export function attachRelay(server: HttpServer, path: string, options: RelayOptions = {}): Relay {
  const relay = new Relay({ origins: 'same-host', ...options });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) return;
    if (!relay.originAllowed(request)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => relay.accept(ws, request));
  });
  return relay;
}
