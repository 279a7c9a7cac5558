// The hub suite (chapter 02): what a green thread costs — spawn+join, a switch, an idle thread, a
// timer — on our hub, on the floor (a bare generator scheduler), on native async/await and on Python eventlet.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { nodeSystem, programSystem } from "../lib/systems";
import { fmt } from "../lib/report";
import { pairedRatio, pairedRatioText } from "../../tools/lib/bench-tables";
import { LAB_DEADLINE_MS, labName, labsMissing, yours } from "../lib/lab";
import type { Aim, Case, Row, Suite } from "../lib/suite";

const cases: Case[] = [
  { id: "spawn-join", name: "spawn+join (100k threads)", unit: "ns/thread", quantity: "time", better: "lower", n: 100_000 },
  // Ten million switches: in a measured run of one million (50–100 ms), about a third of the CPU time went to compiling
  // the hub again and to running it before it was compiled (bench/README.md, "Steady state").
  { id: "switch-sleep", name: "switch (sleep(0) ping-pong)", unit: "ns/switch", quantity: "time", better: "lower", n: 10_000_000 },
  { id: "switch-queue", name: "switch (Queue ping-pong)", unit: "ns/switch", quantity: "time", better: "lower", n: 10_000_000 },
  { id: "idle-memory", name: "idle thread (100k parked on an Event)", unit: "bytes/thread", quantity: "memory", better: "lower", n: 100_000 },
  { id: "timers", name: "timers (100k sleeps of 1–10 ms)", unit: "ns/timer", quantity: "time", better: "lower", n: 100_000 },
];

const solutions = resolve(import.meta.dirname, "..", "..", "solutions");
const hubMissing = (): string | null => {
  for (const dir of ["02-hub", "04-primitives"]) {
    if (!existsSync(resolve(solutions, dir))) return `solutions/${dir} is not written yet`;
  }
  return null;
};

/** The chapters of the learner's tree that `--lab` runs the cases on (bench/hub/lab-cases.ts). */
export const HUB_LABS = ["02-hub", "03-cancellation", "04-primitives"] as const;
const labMissing = (): string | null => labsMissing(HUB_LABS);

/** The largest size eventlet runs a case at (see the systems below). */
const EVENTLET_MAX_N = 1_000_000;

const python = "/usr/bin/python3"; // Debian's eventlet lives in the system Python only, not in another one on PATH

export const suite: Suite = {
  name: "hub",
  title: "hub: the cost of a green thread (chapter 02)",
  cases,
  subject: "hub",
  sources: ["solutions/02-hub", "solutions/03-cancellation", "solutions/04-primitives", "bench/hub", "bench/lib"],
  systems: [
    nodeSystem("hub", "hub/hub-cases.ts", hubMissing),
    nodeSystem("generator floor", "hub/floor-cases.ts"),
    nodeSystem("async/await", "hub/async-cases.ts"),
    programSystem(
      "eventlet",
      [python, "-c", "import eventlet; print('eventlet ' + eventlet.__version__)"],
      "apt-get update && apt-get install -y python3-eventlet",
      // At most a million: an eventlet switch costs microseconds, so a million already take seconds (steady, with no
      // compiler to wait for), and ten million would take minutes a rep.
      (c, n) => [python, "bench/hub/eventlet_cases.py", c.id, String(Math.min(n, EVENTLET_MAX_N))],
    ),
  ],
  aims,
  lab: {
    systems: [nodeSystem(yours("hub"), "hub/lab-cases.ts", labMissing, LAB_DEADLINE_MS)],
    get about() {
      return `your hub: chapters ${HUB_LABS.map((d) => d.slice(0, 2)).join(", ")} as written in ${labName()}`;
    },
  },
};

/**
 * The course's goals for the hub (bench/README.md, "What changed since the run these goals were set from"): each case
 * within 1.5× the generator floor, the `sleep(0)` switch also below `await`'s, and every case ahead of eventlet.
 */
const FLOOR_GOAL = 1.5;

function aims(rows: readonly Row[]): Aim[] {
  const get = (c: Case, system: string): Row | undefined => rows.find((r) => r.case === c.name && r.system === system);
  /** "2,848 vs 1,123 ns/thread = 2.54×", or why there is no ratio. */
  const versus = (c: Case, peer: string): { ratio: number; detail: string } | null => {
    const mine = get(c, "hub");
    const theirs = get(c, peer);
    if (!mine || !theirs) return null;
    const ratio = pairedRatio(mine, theirs); // rep by rep: each rep's two figures were taken in the same round
    return { ratio, detail: `${fmt(mine.value)} vs ${fmt(theirs.value)} ${c.unit}, ${pairedRatioText(mine, theirs)}` };
  };
  const absent = (what: string): string => `not measured in this run (${what} missing)`;
  const out: Aim[] = [];

  for (const c of cases) {
    const aim = `${c.name}: within ${FLOOR_GOAL}× the generator floor (hub ÷ floor ≤ ${FLOOR_GOAL})`;
    const v = versus(c, "generator floor");
    out.push(v ? { aim, met: v.ratio <= FLOOR_GOAL, detail: v.detail } : { aim, met: false, detail: absent("hub or floor"), measured: false });
  }
  const sleepSwitch = cases.find((c) => c.id === "switch-sleep")!;
  const belowAwait = `${sleepSwitch.name}: below async/await's (hub ÷ async/await < 1)`;
  const a = versus(sleepSwitch, "async/await");
  out.push(a ? { aim: belowAwait, met: a.ratio < 1, detail: a.detail } : { aim: belowAwait, met: false, detail: absent("hub or async/await"), measured: false });

  const behind: string[] = [];
  let compared = 0;
  for (const c of cases) {
    const mine = get(c, "hub");
    const theirs = get(c, "eventlet");
    if (!mine || !theirs) continue;
    compared++;
    const ahead = c.better === "lower" ? mine.value < theirs.value : mine.value > theirs.value;
    if (!ahead) behind.push(c.name);
  }
  out.push(
    compared === cases.length
      ? {
          aim: "every figure ahead of eventlet",
          met: behind.length === 0,
          detail: behind.length ? `behind on: ${behind.join("; ")}` : `ahead on all ${compared} cases`,
        }
      : { aim: "every figure ahead of eventlet", met: false, detail: absent("hub or eventlet on some case"), measured: false },
  );
  return out;
}
