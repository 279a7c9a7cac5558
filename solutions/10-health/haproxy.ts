// HAProxy's health check state machine: one counter, `rise` and `fall`, three intervals. Built in chapter 10.
//
// As `set_server_check_status` in HAProxy's src/check.c: `health` runs from 0 to rise + fall − 1; the server is UP
// while health ≥ rise. A failure takes one off, and once below rise drops straight to 0 (DOWN); a success adds one,
// and once at rise jumps straight to the top (fully UP). A new server starts at health = rise (src/server.c): UP,
// but a single failed check at boot marks it DOWN. The interval is `srv_getinter`'s: `inter` at the top, `downinter`
// at 0, `fastinter` in between.
import type { Random } from "../05-green-sockets/random";
import type { CheckerOptions, CheckResult, HaproxyCheckConfig, HealthChecker } from "./checker";

// #region haproxy
export class HaproxyChecker implements HealthChecker {
  readonly kind = "haproxy";
  readonly inter: number;
  readonly fastinter: number;
  readonly downinter: number;
  readonly rise: number;
  readonly fall: number;
  readonly timeout: number;
  readonly spread: number;
  /** HAProxy's `check->health`: 0 … rise + fall − 1. */
  health: number;
  readonly #random: Random;

  constructor(config: HaproxyCheckConfig = {}, options: CheckerOptions = {}) {
    this.inter = config.inter ?? 2000;
    this.fastinter = config.fastinter ?? this.inter;
    this.downinter = config.downinter ?? this.inter;
    this.rise = config.rise ?? 2;
    this.fall = config.fall ?? 3;
    this.timeout = config.timeout ?? this.inter;
    this.spread = config.spread ?? 0;
    this.health = this.rise; // UP, one failure away from DOWN
    this.#random = options.random ?? Math.random;
  }

  get healthy(): boolean {
    return this.health >= this.rise;
  }
  // #endregion

  // #region haproxy-record
  /** One check ended: move `health` as HAProxy does. Every failure kind counts the same. */
  record(result: CheckResult): void {
    // BEGIN SOLUTION 1 HaproxyChecker.record
    const top = this.rise + this.fall - 1;
    if (result === "pass") {
      if (this.health < top) {
        this.health++;
        if (this.health >= this.rise) this.health = top; // UP now: fully
      }
    } else if (this.health > 0) {
      this.health--;
      if (this.health < this.rise) this.health = 0; // DOWN now: fully
    }
    // END SOLUTION
  }

  /** The interval before the next check, before jitter: `srv_getinter` in src/check.c. */
  interval(): number {
    // BEGIN SOLUTION 1 HaproxyChecker.interval
    if (this.health === this.rise + this.fall - 1) return this.inter;
    if (this.health === 0) return this.downinter;
    return this.fastinter;
    // END SOLUTION
  }
  // #endregion

  // #region haproxy-jitter
  /**
   * `spread-checks`: HAProxy moves each delay by a random amount of up to ±spread percent, so that servers checked
   * at once at start-up do not stay in step forever.
   */
  nextDelay(): number {
    const base = this.interval();
    if (this.spread <= 0) return base;
    return Math.max(1, Math.round(base + ((this.#random() * 2 - 1) * base * this.spread) / 100));
  }
}
// #endregion
