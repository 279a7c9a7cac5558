// The io suite (chapters 05 and 07): the hub's servers on real sockets — the echo server of chapter 05 and the HTTP
// server of chapter 07 — beside a plain Node server and eventlet's, at two connection counts each. One measurement
// yields several figures (throughput, latency, the server's CPU), so this suite brings its own driver
// (bench/io/driver.ts) and run.ts hands it the command line, as for lb.
import { labAbout, runIo, SUBJECT, TITLE } from "../io/driver";
import type { Suite } from "../lib/suite";

export const suite: Suite = {
  name: "io", title: TITLE, cases: [], systems: [], subject: SUBJECT, aims: () => [],
  // --lab: the driver adds the learner's servers (bench/io/lab-server.ts).
  lab: {
    get about() {
      return labAbout();
    },
  },
};

/** run.ts calls this instead of its own loop. */
export const main = runIo;
