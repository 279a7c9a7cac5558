// Round robin: each backend in turn, skipping the ones the proxy will not use now. Built in chapter 08.
//
// The simplest strategy, and the baseline every strategy of chapter 09 is measured against. It spreads
// connections evenly by count, not by load: a backend stuck with long connections gets new ones all the same.
import type { Backend, Balancer } from "./balancer";

// #region round-robin
export class RoundRobin implements Balancer {
  /** Where the next search starts: the backend after the last one chosen. */
  #next = 0;

  constructor(readonly backends: readonly Backend[]) {
    if (backends.length === 0) throw new Error("a balancer needs at least one backend");
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    // TODO(task 1): RoundRobin.pick. See README.md.
    throw new Error("not implemented yet — lab 08-tcp-proxy, task 1: RoundRobin.pick");
  }
}
// #endregion
