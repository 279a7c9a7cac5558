// The shape of the hub suite's workloads (chapter 02), shared by every Node system; bench/hub/eventlet_cases.py
// repeats these few lines in Python, so keep the two in step.

/**
 * Delay of the i-th timer of the timers case: 1 to 10 ms, spread, so that timers are pushed out of order and the
 * timer structure does real ordering work; short, so the run measures timer handling rather than waiting.
 */
export const timerDelayMs = (i: number): number => 1 + ((i * 7919) % 10);
