// What a chaos drill reports, computed from its event log alone: requests sent, answered and lost, the p99 in each
// fault's window, and how long the balancer took to take a failing backend out and to use it again. Chapter 14,
// lab task 5. A pure function of the log, so the same run gives the same report, byte for byte.
import { faultName, faultWindow, type Scenario } from "./drill-scenario";

// #region events
/** What the drill writes down while it runs; times are virtual milliseconds from the start. */
export type DrillEvent =
  /** One client request, logged when it ended: answered with a 200 (`ok`), or lost (any other outcome). */
  | { readonly kind: "request"; readonly start: number; readonly end: number; readonly ok: boolean }
  /** The balancer changed its mind about a backend: `usable` says whether it would send it a new request now. */
  | { readonly kind: "state"; readonly t: number; readonly backend: string; readonly usable: boolean };

/** One row of the report: a fault, or the quiet start before the first one. */
export interface WindowReport {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  /** Requests that started in [from, to), and those of them lost. */
  readonly requests: number;
  readonly lost: number;
  /** Milliseconds, nearest-rank p99 of those requests' latencies (lost ones included); null: no request. */
  readonly p99: number | null;
  /** Milliseconds from the fault's start until the balancer took its backend out; null: it never did. */
  readonly outAfter: number | null;
  /** Milliseconds from the fault's end until the balancer used the backend again; null: it never did. */
  readonly backAfter: number | null;
}

export interface DrillReport {
  readonly seed: number;
  readonly retries: boolean;
  readonly sent: number;
  readonly ok: number;
  readonly lost: number;
  /** p99 of the whole run, milliseconds. */
  readonly p99: number | null;
  readonly windows: readonly WindowReport[];
}
// #endregion

// #region percentile
/** The nearest-rank percentile `p` (0 < p ≤ 100) of `values`: the smallest value at least p% of them are ≤ to. */
export function percentile(values: readonly number[], p: number): number | null {
  // BEGIN SOLUTION 5 percentile
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // p × n before the division: an exact product, where p / 100 × n can land a hair above a whole rank (7 / 100 × 100
  // is 7.000000000000001, whose ceiling is 8).
  return sorted[Math.max(0, Math.ceil((p * sorted.length) / 100) - 1)]!;
  // END SOLUTION
}
// #endregion

// #region state-timeline
/**
 * The first time at or after `from` (and before `to`) when `backend` was in the state `usable`, by the log's
 * "state" events; null if it never was. Before its first event a backend of the scenario's start is usable, and
 * any other (one a reload adds) is not.
 */
export function firstTimeIn(events: readonly DrillEvent[], backend: string, usable: boolean, from: number, to: number, initially: boolean): number | null {
  // BEGIN SOLUTION 5 firstTimeIn
  let state = initially;
  for (const e of events) {
    if (e.kind !== "state" || e.backend !== backend) continue;
    if (e.t <= from) {
      state = e.usable; // the state at `from` is the last one set by then
      continue;
    }
    if (state === usable) return from;
    if (e.t >= to) return null;
    if (e.usable === usable) return e.t;
    state = e.usable;
  }
  return state === usable ? from : null;
  // END SOLUTION
}
// #endregion

const ms = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);

// #region summarize
/**
 * The report of a run of `scenario` from its event log (state events in time order). Each fault gets a row over its
 * window (drill-scenario.ts's faultWindow), and a first row, "steady", covers the start before the first fault.
 * For a fault on a backend: `outAfter` from the window's start to the first moment the backend is not usable;
 * `backAfter`, only when it was taken out and the fault ends (not a kill), from the window's end to the first moment
 * it is usable again, looking until the end of the run. For a reload: `outAfter` for the first backend it removes,
 * `backAfter` from the reload until the first backend it adds is usable.
 */
export function summarize(scenario: Scenario, retries: boolean, events: readonly DrillEvent[]): DrillReport {
  const requests = events.filter((e): e is Extract<DrillEvent, { kind: "request" }> => e.kind === "request");
  const started = new Set(scenario.backends);
  const end = Infinity;
  const row = (name: string, from: number, to: number, outAfter: number | null, backAfter: number | null): WindowReport => {
    // BEGIN SOLUTION 5 summarize
    const inside = requests.filter((r) => r.start >= from && r.start < to);
    return {
      name,
      from,
      to,
      requests: inside.length,
      lost: inside.filter((r) => !r.ok).length,
      p99: ms(percentile(inside.map((r) => r.end - r.start), 99)),
      outAfter: ms(outAfter),
      backAfter: ms(backAfter),
    };
    // END SOLUTION
  };
  const first = Math.min(scenario.duration, ...scenario.faults.map((f) => f.at));
  const windows: WindowReport[] = [row("steady", 0, first, null, null)];
  for (const f of scenario.faults) {
    const { from, to } = faultWindow(f);
    if (f.kind === "reload") {
      const gone = f.remove[0];
      const added = f.add[0];
      const out = gone === undefined ? null : firstTimeIn(events, gone, false, from, end, started.has(gone));
      const back = added === undefined ? null : firstTimeIn(events, added, true, from, end, started.has(added));
      windows.push(row(faultName(f), from, to, out === null ? null : out - from, back === null ? null : back - from));
      continue;
    }
    const out = firstTimeIn(events, f.backend, false, from, to, started.has(f.backend));
    const back = out === null || f.kind === "kill" ? null : firstTimeIn(events, f.backend, true, to, end, started.has(f.backend));
    windows.push(row(faultName(f), from, to, out === null ? null : out - from, back === null ? null : back - to));
  }
  const lost = requests.filter((r) => !r.ok).length;
  return {
    seed: scenario.seed,
    retries,
    sent: requests.length,
    ok: requests.length - lost,
    lost,
    p99: ms(percentile(requests.map((r) => r.end - r.start), 99)),
    windows,
  };
}
// #endregion

// #region verdict
/**
 * What is wrong with a run: a lost request, or a backend that a kill, a flap or a partition did not take out, or
 * that a flap or a partition left out after it ended. Empty: the drill passed (expected with retries on only).
 */
export function verdict(scenario: Scenario, report: DrillReport): string[] {
  const problems: string[] = [];
  if (report.lost > 0) problems.push(`${report.lost} of ${report.sent} requests lost`);
  scenario.faults.forEach((f, i) => {
    const w = report.windows[i + 1]!;
    if ((f.kind === "kill" || f.kind === "flap" || f.kind === "partition") && w.outAfter === null) problems.push(`${w.name}: never taken out`);
    if ((f.kind === "flap" || f.kind === "partition") && w.outAfter !== null && w.backAfter === null) problems.push(`${w.name}: never used again`);
    if (f.kind === "reload" && f.add.length > 0 && w.backAfter === null) problems.push(`${w.name}: the added backend never got traffic`);
  });
  return problems;
}
// #endregion

/** The report as a table for a terminal or a README. */
export function formatReport(r: DrillReport): string {
  const cell = (x: number | null, unit = " ms"): string => (x === null ? "—" : `${x.toLocaleString("en-US")}${unit}`);
  const sec = (t: number): string => String(+(t / 1000).toFixed(1));
  const lines = [
    `seed ${r.seed}, retries ${r.retries ? "on" : "off"}: ${r.sent} requests sent, ${r.ok} answered, ${r.lost} lost; p99 ${cell(r.p99)}`,
    "",
    "| window | seconds | requests | lost | p99 | taken out after | back after |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...r.windows.map((w) => `| ${w.name} | ${sec(w.from)}–${sec(w.to)} | ${w.requests} | ${w.lost} | ${cell(w.p99)} | ${cell(w.outAfter)} | ${cell(w.backAfter)} |`),
  ];
  return lines.join("\n");
}
