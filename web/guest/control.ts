// The workbench's control block: one small SharedArrayBuffer per VM, shared by the page and the
// runner program in the VM's worker. The page never drives a VM's device itself (that would race
// the guest): it leaves a command here and the guest's own code carries it out through its device
// registers, at its waits and after its rings. The runner also says what it is doing (waiting how,
// running, paused) and counts the round trips its program measures.
//
//   Int32 words
//   0  command sequence (page increments after writing op/a/b)   1  acknowledged sequence (runner)
//   2  op   3  a   4  b                                           5  result (0 ok, 1 error)
//   6  paused (page)   7  wait-mode override (page: 0 none, 1 block, 2 poll, 3 spin)
//   8  state (runner: RunnerState)   11 stop requested (page)
//   16..16+HISTOGRAM_BUCKETS  round-trip histogram: bucket b counts trips of [2^b, 2^(b+1)) us
//   48..48+SPIN_WORDS  the 'spin' policy's counts (runner, at most every 100 ms of 'spin' waits): SPIN_COUNTS

export const WORD_CMD_SEQ = 0;
export const WORD_ACK_SEQ = 1;
export const WORD_OP = 2;
export const WORD_A = 3;
export const WORD_B = 4;
export const WORD_RESULT = 5;
export const WORD_PAUSED = 6;
export const WORD_MODE = 7;
export const WORD_STATE = 8;
export const WORD_STOP = 11;
export const HISTOGRAM_AT = 16;
export const HISTOGRAM_BUCKETS = 24;
/** The 'spin' wait policy's counts the runner copies here (src/vm/wait-policy.ts, SpinStats), in this order. */
export const SPIN_COUNTS = ['spun', 'caught', 'ranOut', 'parked', 'probes', 'probesHeld'] as const;
export const SPIN_AT = 48;
export const CONTROL_WORDS = 64;
export const CONTROL_BYTES = CONTROL_WORDS * 4;

/** Doorbell: a raw value written to the Doorbell register (BAR0 + 12), as a driver that composes its own would. */
export enum Op { None, Ring, Mask, Unmask, Reset, IntrMask, Broadcast2010, Ring2010, FunctionMask, MsixEnable, BringUp, Doorbell }
export enum RunnerState { Starting, Running, Block, Poll, Spin, Paused, Done, Failed }

export const MODES = ['', 'block', 'poll', 'spin'] as const;

export interface Control {
  words: Int32Array;
}

export function controlOf(buffer: SharedArrayBuffer): Control {
  return { words: new Int32Array(buffer, 0, CONTROL_WORDS) };
}

export function newControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES);
}

/** Round trip in microseconds to its histogram bucket. */
export function bucketOf(us: number): number {
  return Math.max(0, Math.min(HISTOGRAM_BUCKETS - 1, Math.floor(Math.log2(Math.max(1, us)))));
}
