// The strategies suite (chapter 09): what one pick costs for every balancing strategy at 10, 100 and 1,000 backends,
// and the memory each keeps at 1,000 (a Maglev table among them); ring hash also without its index of arcs, so the
// run shows what the index buys. `npm run bench strategies`.
import type { Aim, Case, Row, Suite, System } from "../lib/suite";
import { STRATEGY_NAMES } from "../../solutions/09-strategies/strategies";
import { BINARY_SEARCH } from "../strategies/cases";
import { LAB_DEADLINE_MS, labName, labsMissing, yours } from "../lib/lab";
import { pairedRatio, pairedRatioText } from "../../tools/lib/bench-tables";

const cases: Case[] = [
  { id: "pick-10", name: "pick, 10 backends", unit: "ns/pick", quantity: "time", better: "lower", n: 2_000_000 },
  { id: "pick-100", name: "pick, 100 backends", unit: "ns/pick", quantity: "time", better: "lower", n: 2_000_000 },
  { id: "pick-1000", name: "pick, 1,000 backends", unit: "ns/pick", quantity: "time", better: "lower", n: 2_000_000 },
  { id: "memory-1000", name: "memory, 1,000 backends", unit: "bytes", quantity: "memory", better: "lower", n: 1 },
];

/**
 * Every strategy is a system; each measurement runs bench/strategies/reference-cases.ts in a fresh process, or, for
 * `--lab`, lab-cases.ts on the learner's strategy of that name.
 */
const strategySystem = (name: string, lab = false): System => {
  const argv = (c: Case, n: number, ...rest: string[]): string[] => [
    process.execPath, "--expose-gc", "--import", "tsx", "bench/lib/child.ts", `strategies/${lab ? "lab" : "reference"}-cases.ts`, `${name}:${c.id}`, String(n), ...rest,
  ];
  return {
    name: lab ? yours(name) : name,
    missing: lab ? labMissing : () => null,
    command: (c, n) => argv(c, n),
    profile: (c, n, file) => argv(c, n, file),
    ...(lab ? { deadlineMs: LAB_DEADLINE_MS } : {}),
  };
};

/** The chapters of the learner's tree that `--lab` loads (bench/strategies/lab-cases.ts). */
const labMissing = (): string | null => labsMissing(["05-green-sockets", "09-strategies"]);

/** How a strategy's pick is designed to grow with the number of backends. */
const ORDER: Record<string, "O(1)" | "O(log n)" | "O(n)"> = {
  "round-robin": "O(1)",
  random: "O(1)",
  p2c: "O(1)",
  "peak-ewma": "O(1)",
  maglev: "O(1)",
  // A binary search inside the key's arc of about four points: O(1) expected (O(log n) when an arc is crowded).
  "ring-hash": "O(1)",
  "weighted-random": "O(log n)",
  "smooth-weighted": "O(n)",
  "least-connections": "O(n)",
};

export const suite: Suite = {
  name: "strategies",
  title: "strategies: the cost of a pick (chapter 09)",
  cases,
  subject: "p2c",
  sources: ["solutions/09-strategies", "bench/strategies", "bench/lib"],
  systems: [...STRATEGY_NAMES, BINARY_SEARCH].map((name) => strategySystem(name)),
  aims,
  lab: {
    systems: STRATEGY_NAMES.map((name) => strategySystem(name, true)),
    get about() {
      return `yours: the strategies of chapter 09 as written in ${labName()}, each beside the course's of the same name`;
    },
  },
};

function aims(rows: readonly Row[]): Aim[] {
  const row = (caseId: string, system: string): Row | undefined =>
    rows.find((r) => r.case === cases.find((c) => c.id === caseId)!.name && r.system === system);
  const get = (caseId: string, system: string): number | undefined => row(caseId, system)?.value;
  const out: Aim[] = [];
  for (const s of ["p2c", "maglev"]) {
    const v = get("pick-1000", s);
    out.push(v === undefined
      ? { aim: `${s} pick ≤ 100 ns at 1,000 backends`, met: false, detail: "not measured", measured: false }
      : { aim: `${s} pick ≤ 100 ns at 1,000 backends`, met: v <= 100, detail: `${v} ns` });
  }
  // As designed: from 10 to 1,000 backends an O(1) pick may cost at most 2× (caches), an O(log n) one 3× (log₂ grows 3×).
  for (const [s, order] of Object.entries(ORDER)) {
    if (order === "O(n)") continue;
    const a = row("pick-10", s);
    const b = row("pick-1000", s);
    const limit = order === "O(1)" ? 2 : 3;
    // Rep by rep: the reps of both sizes interleave, so each rep's two picks were timed in the same round.
    const growth = a && b ? pairedRatio(b, a) : undefined;
    out.push({
      aim: `${s} pick is ${order}: at 1,000 backends ≤ ${limit}× its cost at 10`,
      met: growth !== undefined && growth <= limit,
      ...(a === undefined || b === undefined || growth === undefined
        ? { detail: "not measured", measured: false as const }
        : { detail: `${a.value} → ${b.value} ns (${pairedRatioText(b, a)})` }),
    });
  }
  return out;
}
