// Loaded into each test worker when the tests run on a lab (`npm run watch NN`, or vitest with HUB_TARGET=labs). A test
// stuck in an endless loop blocks its worker's event loop, so vitest's own time limit never fires and the run just goes
// quiet. A watcher thread of its own sees the test's start in shared memory and, once the test has run well past its
// limit, says so on stderr — written straight to file descriptor 2, since the worker's streams flow through the loop
// that is blocked. It stops nothing itself: under `npm run watch` it names the test to the watch, which stops the run
// and starts it again at the next save (tools/lib/watch-supervisor.ts); `npm run grade` stops such a test itself
// (tools/grader/hang-watch.ts, whose limits this shares: each stretch of a test's run, test-phases.ts).
import { Worker } from "node:worker_threads";
import { afterEach, beforeEach } from "vitest";
import { STUCK_FD_ENV } from "../lib/stuck-pipe";
import { fullName, GRACE_MS } from "./hang-watch";
import { followPhases } from "./test-phases";

/**
 * [the stretch of the test's run it is in started (ms since the epoch, 0: no test running), that stretch's limit (ms),
 * the name's length in bytes, the test started], then the name.
 */
const NAME_BYTES = 1024;
const shared = new SharedArrayBuffer(4 * 8 + NAME_BYTES);
const numbers = new Float64Array(shared, 0, 4);
const name = new Uint8Array(shared, 4 * 8, NAME_BYTES);

/** The watcher: every half second, is the running test past its stretch's limit and the grace? Then say so, once. */
const WATCHER = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const numbers = new Float64Array(workerData.shared, 0, 4);
const name = new Uint8Array(workerData.shared, 32, ${NAME_BYTES});
let told = 0;
setInterval(() => {
  const since = numbers[0];
  if (since === 0 || since === told || Date.now() - since <= numbers[1] + workerData.graceMs) return;
  told = since;
  const test = Buffer.from(name.subarray(0, numbers[2])).toString("utf8");
  const seconds = Math.round((Date.now() - numbers[3]) / 1000);
  writeSync(2, "\\n\\u26a0 \\"" + test + "\\" has run for " + seconds + " s without giving the event loop back, so its time limit " +
    "cannot stop it: an endless loop (a while or for that never ends, or sleeps on the virtual clock, where time passes at " +
    "once)? " + (workerData.stuckFd === null ? "Nothing more will run. Stop with Ctrl-C and look at the code this test " +
    "calls; npm run grade stops such a test for you and runs the others.\\n\\n" : "\\n"));
  // Under npm run watch: the test's name goes to the watch, which stops the run and starts it again at the next save.
  if (workerData.stuckFd !== null) writeSync(workerData.stuckFd, JSON.stringify({ name: test, started: numbers[3] }) + "\\n");
}, 500);
`;

const stuckFd = Number(process.env[STUCK_FD_ENV]);
new Worker(WATCHER, { eval: true, workerData: { shared, graceMs: GRACE_MS, stuckFd: Number.isInteger(stuckFd) && stuckFd > 2 ? stuckFd : null } }).unref();

beforeEach((ctx) => {
  const bytes = Buffer.from(fullName(ctx.task)).subarray(0, NAME_BYTES);
  name.set(bytes);
  numbers[2] = bytes.length;
  numbers[3] = Date.now();
  // The grader's limits: each stretch of the test's run its own, with hooks taken at the test's own limit (the course's
  // configuration gives both the same one); 0 is vitest's "no limit".
  const each = ctx.task.timeout > 0 ? ctx.task.timeout : Infinity;
  const followed = followPhases(ctx.task, (phase, hooks) => {
    numbers[1] = phase === "body" ? each : hooks === 0 ? 0 : hooks * each;
    numbers[0] = Date.now();
  });
  if (!followed) {
    numbers[1] = 3 * each;
    numbers[0] = Date.now();
  }
});

afterEach(() => {
  numbers[0] = 0;
});
