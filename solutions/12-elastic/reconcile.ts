// From "the backends there should be" to the changes that get there: the one step every discovery source (a
// file, DNS, the autoscaler) shares. Built in chapter 12 (lab task 2).
import type { Backend } from "../08-tcp-proxy/balancer";
import { sameAddress, type Membership } from "./membership";

// #region plan
/** A backend as a discovery source lists it. */
export interface Wanted {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** @default 1 */
  readonly weight?: number;
}

/** What to change so that the members of one source are what it wants. */
export interface Plan {
  readonly add: Wanted[];
  readonly drain: Backend[];
  readonly reweight: { readonly backend: Backend; readonly weight: number }[];
}

/** One member as the plan sees it. */
export interface Current {
  readonly backend: Backend;
  readonly weight: number;
  readonly draining: boolean;
}

/**
 * The changes that turn `current` (the members one source added) into `wanted`, matched by name:
 * - a wanted name with no active member is added — unless a member of that name is still draining: it is added
 *   once that one is gone (a later plan), because two members may not share a name;
 * - an active member whose name is not wanted is drained;
 * - an active member whose address changed is drained, and the new address added (a later plan, as above);
 * - an active member whose weight changed is reweighted.
 * Each list keeps the order of its input.
 */
export function plan(current: readonly Current[], wanted: readonly Wanted[]): Plan {
  // BEGIN SOLUTION 2 plan
  const out: Plan = { add: [], drain: [], reweight: [] };
  const byName = new Map(wanted.map((w) => [w.name, w]));
  const taken = new Set<string>();
  for (const c of current) {
    taken.add(c.backend.name);
    if (c.draining) continue;
    const w = byName.get(c.backend.name);
    if (w === undefined || !sameAddress(c.backend.address, { host: w.host, port: w.port })) {
      out.drain.push(c.backend);
    } else if ((w.weight ?? 1) !== c.weight) {
      out.reweight.push({ backend: c.backend, weight: w.weight ?? 1 });
    }
  }
  for (const w of wanted) if (!taken.has(w.name)) out.add.push(w);
  return out;
  // END SOLUTION
}
// #endregion

// #region apply
/** What applying a plan did: each change as a line, and the changes refused (with their reasons). */
export interface Applied {
  readonly changes: string[];
  readonly refused: string[];
}

/** Plans the members of `source` toward `wanted` and applies the plan. A change refused leaves the others done. */
export function reconcile(membership: Membership, source: string, wanted: readonly Wanted[]): Applied {
  const current: Current[] = [...membership.members.values()]
    .filter((m) => m.source === source)
    .map((m) => ({ backend: m.backend, weight: m.weight, draining: m.state === "draining" }));
  const p = plan(current, wanted);
  const applied: Applied = { changes: [], refused: [] };
  const attempt = (what: string, change: () => void): void => {
    try {
      change();
      applied.changes.push(what);
    } catch (e) {
      applied.refused.push(`${what}: ${(e as Error).message}`);
    }
  };
  for (const b of p.drain) attempt(`drain ${b.name}`, () => membership.drain(b));
  for (const r of p.reweight) attempt(`weight ${r.backend.name} ${r.weight}`, () => membership.setWeight(r.backend, r.weight));
  for (const w of p.add) {
    attempt(`add ${w.name}`, () => membership.add({ name: w.name, address: { host: w.host, port: w.port } }, { weight: w.weight ?? 1, source }));
  }
  return applied;
}
// #endregion
