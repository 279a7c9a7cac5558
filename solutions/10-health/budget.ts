// Retry budgets: a cap on retries that grows with the traffic, so retries can never multiply a failing service's
// load. Two kinds behind one interface. Built in chapter 10.
//
// Envoy's (`retry_budget` of a cluster's circuit breakers, `ResourceManagerImpl::RetryBudgetImpl::max`): retries in
// flight at once ≤ max(budget_percent × active requests, min_retry_concurrency); defaults 20% and 3.
// Finagle's (`RetryBudget.apply` → `TokenRetryBudget` in finagle-core's com/twitter/finagle/service/RetryBudget.scala):
// each request deposits 1000 tokens, each retry withdraws 1000 / percentCanRetry, over a window of `ttl` (a leaky
// bucket: tokens older than the window are gone), plus a reserve of minRetriesPerSec × ttl retries; defaults 20%,
// 10 per second, 10 seconds.
import { getHub } from "../02-hub/hub";

// #region budget
export interface RetryBudget {
  readonly kind: "envoy" | "finagle";
  /** A request (not a retry) started. */
  requestStarted(): void;
  /** That request ended, however it ended. */
  requestEnded(): void;
  /** May a retry go now? True also counts it as started. */
  tryRetry(): boolean;
  /** A retry that `tryRetry` allowed has ended. */
  retryEnded(): void;
}

export type BudgetConfig =
  | { readonly kind: "envoy"; readonly budgetPercent?: number; readonly minRetryConcurrency?: number }
  | { readonly kind: "finagle"; readonly ttl?: number; readonly minRetriesPerSec?: number; readonly percentCanRetry?: number };

export function makeBudget(config: BudgetConfig, now: () => number = () => getHub().now()): RetryBudget {
  return config.kind === "envoy" ? new EnvoyBudget(config) : new FinagleBudget(config, now);
}
// #endregion

// #region envoy-budget
export class EnvoyBudget implements RetryBudget {
  readonly kind = "envoy";
  readonly budgetPercent: number;
  readonly minRetryConcurrency: number;
  /** Requests in flight (retries included, as Envoy counts them: a retry is a request too). */
  active = 0;
  /** Retries in flight. */
  retries = 0;

  constructor(config: { budgetPercent?: number; minRetryConcurrency?: number } = {}) {
    this.budgetPercent = config.budgetPercent ?? 20;
    this.minRetryConcurrency = config.minRetryConcurrency ?? 3;
  }

  requestStarted(): void {
    this.active++;
  }

  requestEnded(): void {
    if (this.active > 0) this.active--;
  }

  /** Retries allowed in flight now: max(budget_percent × active requests, min_retry_concurrency). */
  max(): number {
    // BEGIN SOLUTION 5 EnvoyBudget.max
    return Math.max(Math.floor((this.budgetPercent / 100) * this.active), this.minRetryConcurrency);
    // END SOLUTION
  }

  tryRetry(): boolean {
    // BEGIN SOLUTION 5 EnvoyBudget.tryRetry
    if (this.retries >= this.max()) return false;
    this.retries++;
    return true;
    // END SOLUTION
  }

  retryEnded(): void {
    if (this.retries > 0) this.retries--;
  }
}
// #endregion

// #region finagle-budget
/**
 * Finagle's token budget. Its bucket is a windowed sum: `slices` buckets of ttl / slices each; a deposit or a
 * withdrawal lands in the current one, and a bucket older than the window is forgotten.
 */
export class FinagleBudget implements RetryBudget {
  readonly kind = "finagle";
  static readonly SCALE = 1000;
  readonly ttl: number;
  readonly withdrawal: number;
  readonly reserve: number;
  readonly #now: () => number;
  readonly #slices = new Map<number, number>();
  readonly #width: number;

  constructor(config: { ttl?: number; minRetriesPerSec?: number; percentCanRetry?: number } = {}, now: () => number = Date.now) {
    this.ttl = config.ttl ?? 10_000;
    const percent = config.percentCanRetry ?? 0.2;
    // Finagle: with percentCanRetry 0, a withdrawal costs more than a deposit brings, so deposits alone never pay one.
    this.withdrawal = percent === 0 ? FinagleBudget.SCALE + 1 : Math.floor(FinagleBudget.SCALE / percent);
    this.reserve = (config.minRetriesPerSec ?? 10) * (this.ttl / 1000) * this.withdrawal;
    this.#now = now;
    this.#width = this.ttl / 10;
  }

  /** Tokens now: the reserve plus everything deposited and withdrawn within the window. */
  get tokens(): number {
    const current = Math.floor(this.#now() / this.#width);
    let sum = this.reserve;
    for (const [slice, v] of this.#slices) {
      if (slice <= current - 10) this.#slices.delete(slice);
      else sum += v;
    }
    return sum;
  }

  /** Retries the budget would allow now (Finagle's `balance`). */
  get balance(): number {
    return Math.floor(this.tokens / this.withdrawal);
  }

  #add(n: number): void {
    const slice = Math.floor(this.#now() / this.#width);
    this.#slices.set(slice, (this.#slices.get(slice) ?? 0) + n);
  }

  requestStarted(): void {
    this.#add(FinagleBudget.SCALE);
  }

  requestEnded(): void {}

  tryRetry(): boolean {
    if (this.tokens < this.withdrawal) return false;
    this.#add(-this.withdrawal);
    return true;
  }

  retryEnded(): void {}
}
// #endregion
