// The io suite's --profile hook for our servers (chapter 05/07 benchmarks): with $IO_PROFILE set, SIGUSR2 starts V8's
// sampling profiler (the driver sends it after the warm-up) and SIGINT writes the profile and exits, so the profile
// holds the measured run only, not start-up, tsx's compilation or connection set-up. Without it, SIGINT/SIGTERM exit.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const profileFile = process.env.IO_PROFILE;
const session = profileFile ? new Session() : null;
if (session) {
  session.connect();
  process.on("SIGUSR2", () => {
    // 100 µs, not the default 1 ms: a 5 s run at tens of thousands of round trips/s needs fine samples.
    session.post("Profiler.enable", () =>
      session.post("Profiler.setSamplingInterval", { interval: 100 }, () => session.post("Profiler.start")),
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
