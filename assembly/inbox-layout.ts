// A VM's server inbox, at DEV_INBOX in its device block (device-layout.ts): the ring the host
// writes the server's messages into and the VM drains (src/server/inbox.ts). The core reads only
// its two indices: while messages wait, a guest's BAR0 access goes the full way, which drains them
// first (access.ts).
// Integer constants only, valid AssemblyScript and valid TypeScript, like every *-layout.ts.
//
//   DEV_INBOX +0   write index (u32, free running; the host advances it)
//             +4   read index  (u32, free running; the VM advances it)
//             +8   hung up: the server went away (the host sets it)
//             +12  released index (u32, free running; the VM advances it once its device is
//                  done with the messages before it: their eventfd references may go)
//             +64  entry[INBOX_ENTRIES], INBOX_ENTRY_SIZE (24) bytes each:
//                    +0  value  int64 little-endian
//                    +8  handle kind: 0 none, 1 memory, 2 eventfd; for a piece of a version 2
//                        message also bit 16, its bytes (1 to 8) in bits 8..15, and bit 17 when
//                        the message goes on in the next entry
//                    +12 memory offset | eventfd slot
//                    +16 memory size
//                    +20 1 if the entry holds a reference on its eventfd slot
import { LINE } from './header-layout.ts';

export const INBOX_WRITE = 0;
export const INBOX_READ = 4;
export const INBOX_HANGUP = 8;
// How far the VM is done with its messages: the eventfd references they carry may go.
export const INBOX_RELEASED = 12;
export const INBOX_ENTRIES_AT = LINE;
export const INBOX_ENTRIES = 1024;
export const INBOX_ENTRY_SIZE = 24;
