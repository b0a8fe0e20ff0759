// Time from the embedder. now(): milliseconds from this thread's monotonic clock (performance.now),
// for wait budgets. traceTime(): milliseconds on one clock for every thread
// (performance.timeOrigin + performance.now()), for trace events.
@external("env", "now")
export declare function now(): f64;

@external("env", "traceTime")
export declare function traceTime(): f64;
