// The health checkers by name, as a config chooses one. Built in chapter 10.
import type { CheckerConfig, CheckerOptions, HealthChecker } from "./checker";
import { EnvoyChecker } from "./envoy";
import { HaproxyChecker } from "./haproxy";

// #region make-checker
export const CHECKER_KINDS = ["haproxy", "envoy"] as const;

/** A fresh checker (one per backend) of the kind `config` names. */
export function makeChecker(config: CheckerConfig, options: CheckerOptions = {}): HealthChecker {
  switch (config.kind) {
    case "haproxy":
      return new HaproxyChecker(config, options);
    case "envoy":
      return new EnvoyChecker(config, options);
    default:
      throw new Error(`unknown health checker "${(config as { kind: string }).kind}": use one of ${CHECKER_KINDS.join(", ")}`);
  }
}
// #endregion
