// The hub suite (chapter 02): what a green thread costs — spawn+join, a switch, an idle thread, a
// timer — on our hub, on the floor (a bare generator scheduler), on native async/await and on Python eventlet.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { nodeSystem, programSystem } from "../lib/systems";
import type { Aim, Case, Row, Suite } from "../lib/suite";

const cases: Case[] = [
  { id: "spawn-join", name: "spawn+join (100k threads)", unit: "ns/thread", quantity: "time", better: "lower", n: 100_000 },
  { id: "switch-sleep", name: "switch (sleep(0) ping-pong)", unit: "ns/switch", quantity: "time", better: "lower", n: 1_000_000 },
  { id: "switch-queue", name: "switch (Queue ping-pong)", unit: "ns/switch", quantity: "time", better: "lower", n: 1_000_000 },
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
      (c, n) => [python, "bench/hub/eventlet_cases.py", c.id, String(n)],
    ),
  ],
  aims,
};

function aims(rows: readonly Row[]): Aim[] {
  const get = (caseId: string, system: string): Row | undefined => {
    const name = cases.find((c) => c.id === caseId)!.name;
    return rows.find((r) => r.case === name && r.system === system);
  };
  const absent = (what: string): Aim["detail"] => `not measured in this run (${what} missing)`;
  const out: Aim[] = [];

  const hubSwitch = get("switch-sleep", "hub");
  const floorSwitch = get("switch-sleep", "generator floor");
  const asyncSwitch = get("switch-sleep", "async/await");
  out.push(
    hubSwitch && floorSwitch
      ? {
          aim: "switch within 3x of bare generator",
          met: hubSwitch.value <= 3 * floorSwitch.value,
          detail: `sleep(0) ping-pong: hub ${hubSwitch.value} ns, bare generator ${floorSwitch.value} ns = ${(hubSwitch.value / floorSwitch.value).toFixed(2)}x`,
        }
      : { aim: "switch within 3x of bare generator", met: false, detail: absent("hub or floor") },
  );
  out.push(
    hubSwitch && asyncSwitch
      ? {
          aim: "switch cheaper than a native await ping-pong",
          met: hubSwitch.value < asyncSwitch.value,
          detail: `sleep(0) ping-pong: hub ${hubSwitch.value} ns, await ${asyncSwitch.value} ns = ${(hubSwitch.value / asyncSwitch.value).toFixed(2)}x`,
        }
      : { aim: "switch cheaper than a native await ping-pong", met: false, detail: absent("hub or async/await") },
  );
  const idle = get("idle-memory", "hub");
  out.push(
    idle
      ? { aim: "idle thread under 1 KB", met: idle.value < 1024, detail: `${Math.round(idle.value)} bytes per parked thread` }
      : { aim: "idle thread under 1 KB", met: false, detail: absent("hub") },
  );
  const behind: string[] = [];
  let compared = 0;
  for (const c of cases) {
    const mine = get(c.id, "hub");
    const theirs = get(c.id, "eventlet");
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
      : { aim: "every figure ahead of eventlet", met: false, detail: absent("hub or eventlet on some case") },
  );
  return out;
}
