// What the balancer does when whoever reads its output goes away (`npm run lb | head`, a log shipper that restarts):
// it goes on serving. Built in chapter 14.
//
// The next line written to a pipe nobody reads fails with EPIPE, and Node raises that as an 'error' event on
// process.stdout (or stderr); with no listener, an 'error' event ends the process. A balancer's log lines are worth
// less than its clients' connections, so the error is heard here and the lines are dropped.

/** Hears the 'error' of a closed stdout or stderr, so that writing a log line can never end the process. */
export function keepServingWithoutOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
}
