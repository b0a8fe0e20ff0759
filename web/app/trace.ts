// The protocol timeline's events come from the core's trace ring (src/trace/, host.trace): every
// thread writes its own ring in shared memory (doorbells, deliveries, pending bits, mask changes,
// resets) and the host adds the server's messages; the page drains them once per frame.
import type { Host, TraceEvent } from '../../src/index.ts';

export type { TraceEvent, TraceKind } from '../../src/index.ts';

export interface TraceSource {
  drain(): TraceEvent[];
  readonly dropped: number;
}

/** Starts the host's trace and returns it. */
export function traceSource(host: Host): TraceSource {
  host.trace.start();
  return host.trace;
}
