// What a relay's rooms are to its connections: a joined client is a Member, and a Rooms admits
// members by their join frame, forwards their signals and announces each room's changes. Two
// kinds: one relay's own rooms in its memory (src/relay/local-rooms.ts, the default), and rooms
// shared by several relays through a broker (src/relay/cluster-rooms.ts). Both apply the same rules,
// in the same words, and the relay's tests run against both.
import type { JoinFrame, MembersFrame } from './protocol.ts';

/** A client in a room, as the rooms see it (src/relay/relay.ts makes them). */
export interface Member {
  room: string;
  role: 'master' | 'slave';
  /** 0 for the master; a slave's id once admitted */
  id: number;
  /** what the welcome gave it; a rejoin presenting it takes the id back at once */
  session: string;
  /** sends a control frame (welcome, members) */
  control(frame: MembersFrame): void;
  /** sends a 16-byte signal frame, its `slave` already naming the other end */
  signal(frame: Uint8Array): void;
  /**
   * Another connection of the same device (its session) holds its id now: cut this one, which is
   * no longer in the room (its leave is not the room's business).
   */
  replaced(): void;
}

/** Why a join was refused: the close code and the words the client gets. */
export interface Refusal {
  code: number;
  message: string;
}

export interface Rooms {
  /**
   * Admits `member` (room, role and a fresh session set; id to be given) by its join frame: sends
   * it the welcome and tells the room, or says why not. The master hears of a new slave before
   * the slave can signal it.
   */
  join(member: Member, join: JoinFrame): Refusal | undefined | Promise<Refusal | undefined>;
  /** takes an admitted member out (it closed, was dropped or cut) and tells the room */
  leave(member: Member): void;
  /** a master's driver changed max_slaves */
  setMaxSlaves(member: Member, value: number): void;
  /**
   * Forwards a checked 16-byte signal frame from `member` (a master's `slave` names its
   * destination; a slave's goes to the master), rewriting `slave` in place to name the other end
   * as the receiver reads it (the sending slave's id, or 0); false when nobody can take it.
   */
  forward(member: Member, frame: Uint8Array): boolean;
  /** rooms with a member on this relay */
  readonly count: number;
  /** anything the rooms count beyond the relay's own figures (a broker's traffic) */
  readonly stats?: Record<string, number>;
  close(): Promise<void>;
}

/** The signal frame's `slave` field (little-endian u32 at byte 4). */
export function slaveField(frame: Uint8Array): number {
  return (frame[4] | (frame[5] << 8) | (frame[6] << 16) | (frame[7] << 24)) >>> 0;
}

export function setSlaveField(frame: Uint8Array, id: number): void {
  frame[4] = id & 0xff;
  frame[5] = (id >>> 8) & 0xff;
  frame[6] = (id >>> 16) & 0xff;
  frame[7] = id >>> 24;
}

export const roomRules = {
  wrongToken: (room: string) => `wrong token for room '${room}'`,
  crowded: (room: string, max: number) => `room '${room}' has the maximum of ${max} clients`,
  secondMaster: (room: string) => `room '${room}' already has a master`,
  noMaster: (room: string) => `no master in room '${room}' yet`,
  taken: (room: string, id: number) => `slave id ${id} is taken in room '${room}'`,
  full: (room: string, maxSlaves: number) => `room '${room}' is full: max_slaves is ${maxSlaves}`,
};
