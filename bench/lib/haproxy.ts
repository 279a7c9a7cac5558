// HAProxy as a peer of the proxy suites (lb and workers in `mode tcp`, l7 in `mode http`): its configuration, from the
// lines every suite gives it, and the system that runs it in the foreground (`haproxy -db -f FILE`) for one
// measurement. Debian's package; its own service is never used.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { probe } from "./proc";
import type { ProxySystem } from "./proxy-bench";

export const HAPROXY_INSTALL = "apt-get update && apt-get install -y haproxy";

/** What a suite's configuration adds to the shared lines. */
export interface HaproxySetup {
  /** The frontend's port on 127.0.0.1. */
  readonly listen: number;
  /** `nbthread`; null: HAProxy's default (one thread per core). */
  readonly nbthread: number | null;
  /** Lines of `global` after `maxconn` and `nbthread`. */
  readonly global?: readonly string[];
  /** The `defaults` section: the mode, its options and its timeouts. */
  readonly defaults: readonly string[];
}

/**
 * A configuration with one frontend on 127.0.0.1:`listen` and one backend, round robin over `backends` (ports on
 * 127.0.0.1, named b1, b2… as our proxies name them), at most 9,000 connections: more than the suites open.
 */
export function haproxyConfig(setup: HaproxySetup, backends: readonly number[]): string {
  return [
    "global",
    "  maxconn 9000",
    ...(setup.nbthread ? [`  nbthread ${setup.nbthread}`] : []),
    ...(setup.global ?? []),
    "defaults",
    ...setup.defaults,
    "frontend fe",
    `  bind 127.0.0.1:${setup.listen}`,
    "  default_backend be",
    "backend be",
    "  balance roundrobin",
    ...backends.map((p, i) => `  server b${i + 1} 127.0.0.1:${p}`),
    "",
  ].join("\n");
}

/** Writes a peer's configuration into the measurement's scratch directory and returns its path. */
export function writeConfig(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** HAProxy as a system named `name`, with the configuration `setup` gives; skipped, saying how to install it, when absent. */
export function haproxySystem(name: string, setup: HaproxySetup): ProxySystem {
  return {
    name,
    missing: () => (probe(["haproxy", "-v"]) ? null : `not installed here; install it with: ${HAPROXY_INSTALL}`),
    argv: (dir, backends) => ["haproxy", "-db", "-f", writeConfig(dir, "haproxy.cfg", haproxyConfig(setup, backends))],
    version: () => probe(["haproxy", "-v"]) ?? undefined,
  };
}
