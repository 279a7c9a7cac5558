// The pipe between a learner's test worker and `npm run watch`: the stuck notice (tools/grader/stuck-notice.ts) names a
// test stuck in a loop on it, and the watch's supervisor (watch-supervisor.ts) stops the run there. A module of its
// own, so that each test worker loads this and not the supervisor's process handling.

/** The environment variable that names the file descriptor on which the stuck notice names a stuck test. */
export const STUCK_FD_ENV = "HUB_STUCK_FD";

/** What the stuck notice writes on that pipe, a line of JSON: the test, and when it started (ms since the epoch). */
export interface StuckLine {
  readonly name: string;
  readonly started: number;
}
