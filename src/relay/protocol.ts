// The SDM relay's wire protocol (WebSocket), shared by the relay and the devices' socket channel.
//
// Control frames are JSON text, at most MAX_TEXT_FRAME bytes:
//   client -> relay  {"type":"join","room":R,"token":T,"role":"master","maxSlaves":N[,"session":S]}
//                    {"type":"join","room":R,"token":T,"role":"slave"[,"slave":ID[,"session":S]]}   (the first frame)
//                    {"type":"max_slaves","value":N}                                  (master only)
//   relay -> client  {"type":"welcome","id":ID,"session":S,"master":bool,"maxSlaves":N,"slaves":[ids]}
//                    {"type":"members","master":bool,"maxSlaves":N,"slaves":[ids]}    (on any change)
//                    {"type":"error","message":M,"final":bool}, then the relay closes
// Signal frames are binary, exactly 16 bytes: struct SDMSignalData, little-endian
//   { u32 type; u32 slave; u32 payload[2]; }
//   client -> relay: `slave` is the destination (1..max_slaves from the master, 0 from a slave)
//   relay -> client: `slave` is the other end (the sending slave's id to the master, 0 to a slave)
export const SDM_IRQ = 0;
export const SDM_BOOT = 1;
export const SIGNAL_FRAME = 16;
export const MAX_TEXT_FRAME = 1024;
export const MAX_ID = 1024;
export const ROOM_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const MAX_TOKEN = 256;
/** a session: what the welcome gave a client, which a rejoin presents to take its id back at once */
export const SESSION = /^[0-9a-f]{32}$/;

/** WebSocket close codes the relay uses (4000-4999 are the application's). */
export const CLOSE = {
  /** a frame broke the protocol (size, type, ids): the client is dropped */
  PROTOCOL: 4400,
  /** wrong token, full room, taken id, second master: joining refused */
  REFUSED: 4403,
  /** no master in the room yet: try again later */
  NO_MASTER: 4404,
  /** no join within the relay's join timeout: try again */
  JOIN_TIMEOUT: 4408,
  /** the same device rejoined (its session) on another connection, which now holds its id */
  REPLACED: 4409,
  /** the client reads nothing: more signals wait for it than the relay keeps */
  STALLED: 4413,
  /** more frames per second than allowed */
  RATE: 4429,
  /** the rooms cannot be reached (a cluster's broker is away): try again */
  UNAVAILABLE: 4503,
} as const;

export interface JoinFrame {
  type: 'join';
  room: string;
  token: string;
  role: 'master' | 'slave';
  maxSlaves?: number;
  slave?: number;
  /** a rejoin: the session its welcome gave it */
  session?: string;
}

export interface MembersFrame {
  type: 'welcome' | 'members';
  id?: number;
  /** welcome only: present it in a rejoin to take the id back even before the relay saw the old connection go */
  session?: string;
  master: boolean;
  maxSlaves: number;
  slaves: number[];
}

export interface Signal {
  type: number;
  slave: number;
  payload: [number, number];
}

export function encodeSignal(signal: Signal): Uint8Array {
  const bytes = new Uint8Array(SIGNAL_FRAME);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, signal.type >>> 0, true);
  view.setUint32(4, signal.slave >>> 0, true);
  view.setUint32(8, signal.payload[0] >>> 0, true);
  view.setUint32(12, signal.payload[1] >>> 0, true);
  return bytes;
}

export function decodeSignal(bytes: Uint8Array): Signal {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { type: view.getUint32(0, true), slave: view.getUint32(4, true), payload: [view.getUint32(8, true), view.getUint32(12, true)] };
}

const isId = (value: unknown, min: number): value is number => Number.isInteger(value) && (value as number) >= min && (value as number) <= MAX_ID;

/** A join frame, checked field by field; a string saying what is wrong otherwise. */
export function parseJoin(value: unknown): JoinFrame | string {
  if (typeof value !== 'object' || value === null) return 'the first frame must be a join';
  const frame = value as Record<string, unknown>;
  if (frame.type !== 'join') return 'the first frame must be a join';
  if (typeof frame.room !== 'string' || !ROOM_NAME.test(frame.room)) return 'a room name is 1 to 64 of A-Z a-z 0-9 . _ -';
  if (typeof frame.token !== 'string' || frame.token.length === 0 || frame.token.length > MAX_TOKEN) return `a token is 1 to ${MAX_TOKEN} characters`;
  if (frame.session !== undefined && (typeof frame.session !== 'string' || !SESSION.test(frame.session))) return 'a session is 32 hexadecimal digits';
  const session = frame.session as string | undefined;
  if (frame.role === 'master') {
    if (!isId(frame.maxSlaves, 0)) return `maxSlaves must be 0..${MAX_ID}`;
    return { type: 'join', room: frame.room, token: frame.token, role: 'master', maxSlaves: frame.maxSlaves, session };
  }
  if (frame.role === 'slave') {
    if (frame.slave !== undefined && !isId(frame.slave, 1)) return `a slave id is 1..${MAX_ID}`;
    if (session !== undefined && frame.slave === undefined) return 'a session comes with the slave id it held';
    return { type: 'join', room: frame.room, token: frame.token, role: 'slave', slave: frame.slave as number | undefined, session };
  }
  return "role must be 'master' or 'slave'";
}
