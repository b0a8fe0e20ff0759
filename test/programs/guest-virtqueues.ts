// Asks guestRings for a driver-side virtqueue with each of the options in turn, in this VM's
// device block; returns each one's size, or the error it got.
import type { Guest } from '../../src/index.ts';
import { guestRings } from '../../src/vm/guest-rings.ts';
import type { SplitLayout } from '../../src/ring/virtqueue.ts';

export default function main(vm: Guest, queues: { size: number; layout?: SplitLayout }[]): (number | string)[] {
  const rings = guestRings(vm);
  return queues.map((options) => {
    try {
      return rings.virtqueue('driver', { ...options, eventIdx: true }).size;
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  });
}
