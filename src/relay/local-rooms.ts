// One relay's rooms, in its memory (the default: no broker). Each SDM group is a room, created by
// its master with a token that every later client must present; a slave id is held by one client
// at a time; a rejoin presenting the session its welcome gave it takes its id back at once (the
// relay may not have seen the old connection die yet).
import { createHash, timingSafeEqual } from 'node:crypto';
import { CLOSE, type JoinFrame, type MembersFrame } from './protocol.ts';
import { roomRules, setSlaveField, slaveField, type Member, type Refusal, type Rooms } from './rooms.ts';

interface Room {
  name: string;
  token: Buffer;
  master?: Member;
  maxSlaves: number;
  slaves: Map<number, Member>;
}

export const tokenDigest = (token: string): Buffer => createHash('sha256').update(token).digest();

export class LocalRooms implements Rooms {
  private readonly rooms = new Map<string, Room>();

  constructor(private readonly maxClients: number, private readonly log: (line: string) => void) {}

  get count(): number {
    return this.rooms.size;
  }

  join(member: Member, join: JoinFrame): Refusal | undefined {
    let room = this.rooms.get(join.room);
    const token = tokenDigest(join.token);
    const refuse = (message: string, code: number = CLOSE.REFUSED): Refusal => ({ code, message });
    if (room && !timingSafeEqual(room.token, token)) return refuse(roomRules.wrongToken(join.room));
    const same = (held: Member | undefined) => held !== undefined && join.session !== undefined && held.session === join.session;
    const members = room ? room.slaves.size + (room.master ? 1 : 0) : 0;
    const rejoin = join.role === 'master' ? same(room?.master) : same(room?.slaves.get(join.slave!));
    if (!rejoin && members >= this.maxClients) return refuse(roomRules.crowded(join.room, this.maxClients));
    if (join.role === 'master') {
      if (room?.master && !rejoin) return refuse(roomRules.secondMaster(join.room));
      if (!room) {
        room = { name: join.room, token, maxSlaves: join.maxSlaves!, slaves: new Map() };
        this.rooms.set(room.name, room);
      }
      room.master?.replaced();
      room.maxSlaves = join.maxSlaves!;
      room.master = member;
      member.id = 0;
      if (join.session) member.session = join.session;
      this.log(`room ${room.name}: master ${rejoin ? 'rejoined' : 'joined'} (max_slaves ${room.maxSlaves})`);
      member.control({ type: 'welcome', id: 0, session: member.session, ...this.membersOf(room) });
      this.announce(room, member);
      return undefined;
    }
    if (!room?.master) return refuse(roomRules.noMaster(join.room), CLOSE.NO_MASTER);
    let id = join.slave;
    if (id !== undefined && room.slaves.has(id) && !rejoin) return refuse(roomRules.taken(join.room, id));
    if (id === undefined) for (let i = 1; i <= room.maxSlaves && id === undefined; i++) if (!room.slaves.has(i)) id = i;
    if (id === undefined || id > room.maxSlaves) return refuse(roomRules.full(join.room, room.maxSlaves));
    room.slaves.get(id)?.replaced();
    room.slaves.set(id, member);
    member.id = id;
    if (join.session) member.session = join.session;
    this.log(`room ${room.name}: slave ${id} ${rejoin ? 'rejoined' : 'joined'}`);
    // The master hears of the slave before the slave can signal it.
    room.master.control({ type: 'members', ...this.membersOf(room) });
    member.control({ type: 'welcome', id, session: member.session, ...this.membersOf(room) });
    this.announce(room, member, room.master);
    return undefined;
  }

  leave(member: Member): void {
    const room = this.rooms.get(member.room);
    if (!room) return;
    if (member.role === 'master' && room.master === member) room.master = undefined;
    else if (member.role === 'slave' && room.slaves.get(member.id) === member) room.slaves.delete(member.id);
    else return;
    this.log(`room ${room.name}: ${member.role} ${member.id} left`);
    if (!room.master && room.slaves.size === 0) {
      this.rooms.delete(room.name);
      return;
    }
    this.announce(room);
  }

  setMaxSlaves(member: Member, value: number): void {
    const room = this.rooms.get(member.room);
    if (!room || room.master !== member) return;
    room.maxSlaves = value;
    this.log(`room ${room.name}: max_slaves ${value}`);
    this.announce(room);
  }

  forward(member: Member, frame: Uint8Array): boolean {
    const room = this.rooms.get(member.room);
    if (!room) return false;
    const to = slaveField(frame);
    const target = member.role === 'master'
      ? (to <= room.maxSlaves ? room.slaves.get(to) : undefined)
      : (member.id <= room.maxSlaves ? room.master : undefined);
    if (!target) return false;
    setSlaveField(frame, member.role === 'master' ? 0 : member.id);
    target.signal(frame);
    return true;
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }

  private membersOf(room: Room): Omit<MembersFrame, 'type'> {
    return { master: room.master !== undefined, maxSlaves: room.maxSlaves, slaves: [...room.slaves.keys()].sort((a, b) => a - b) };
  }

  private announce(room: Room, ...except: (Member | undefined)[]): void {
    const frame: MembersFrame = { type: 'members', ...this.membersOf(room) };
    for (const member of [room.master, ...room.slaves.values()]) if (member && !except.includes(member)) member.control(frame);
  }
}
