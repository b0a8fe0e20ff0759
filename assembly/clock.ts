// Milliseconds from the embedder's monotonic clock (performance.now), for wait budgets.
@external("env", "now")
export declare function now(): f64;
