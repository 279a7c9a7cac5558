// Chapter 09's strategies, seeing health: a balancer that wraps any of them and never picks a backend that is down
// (active checks) or ejected (outlier detection). Built in chapter 10.
import type { Backend, Balancer } from "../08-tcp-proxy/balancer";

// #region healthy-balancer
/** Whether a backend may get traffic now. */
export type HealthView = (b: Backend) => boolean;

/** `inner`, with every pick restricted to the backends `healthy` accepts. The strategy itself is unchanged. */
export class HealthyBalancer implements Balancer {
  constructor(
    readonly inner: Balancer,
    readonly healthy: HealthView,
  ) {}

  get backends(): readonly Backend[] {
    return this.inner.backends;
  }

  pick(usable: (b: Backend) => boolean): Backend | null {
    // Simplification: a production balancer would have a panic mode (Envoy's healthy_panic_threshold, 50%): with
    // too few healthy backends it balances over all of them rather than overload the few left or refuse everyone.
    return this.inner.pick((b) => usable(b) && this.healthy(b));
  }
}

/** Healthy when every view says so: the active checks' and the outlier detector's together. */
export const allOf =
  (...views: HealthView[]): HealthView =>
  (b) =>
    views.every((v) => v(b));
// #endregion
