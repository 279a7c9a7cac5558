// `--profile` for the servers the io and lb suites start (chapters 05, 07, 08 benchmarks), imported first by each.
// With $BENCH_PROFILE naming a file, SIGUSR2 starts V8's sampling profiler (the driver sends it after the warm-up)
// and SIGINT writes the profile there and exits, so the profile holds the measured run only, not start-up, tsx's
// compilation or connection set-up. $BENCH_PROFILE_MICROS sets the sampling interval (V8's default: 1000 µs).
// Without $BENCH_PROFILE, SIGINT and SIGTERM simply exit.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const profileFile = process.env.BENCH_PROFILE;
const interval = Number(process.env.BENCH_PROFILE_MICROS ?? 1000);
const session = profileFile ? new Session() : null;
if (session) {
  session.connect();
  process.on("SIGUSR2", () => {
    session.post("Profiler.enable", () =>
      session.post("Profiler.setSamplingInterval", { interval }, () => session.post("Profiler.start")),
    );
  });
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!session) process.exit(0);
    session.post("Profiler.stop", (err, result) => {
      if (!err) writeFileSync(profileFile!, JSON.stringify(result.profile));
      process.exit(0);
    });
  });
}
