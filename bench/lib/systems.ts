// How suites describe the systems they compare (chapter 8): a Node module of cases, or an external program.
import { spawnSync } from "node:child_process";
import type { Case, System } from "./suite";

/**
 * A system measured by a Node module exporting `cases` (see bench/lib/measure.ts), run through bench/lib/child.ts
 * with --expose-gc for the memory cases. `missing` says why it cannot run yet, or returns null; `deadlineMs`, how
 * long one measurement may take (System).
 */
export function nodeSystem(name: string, module: string, missing: () => string | null = () => null, deadlineMs?: number): System {
  const argv = (c: Case, n: number, ...rest: string[]): string[] => [
    process.execPath,
    "--expose-gc",
    "--import",
    "tsx",
    "bench/lib/child.ts",
    module,
    c.id,
    String(n),
    ...rest,
  ];
  return {
    name,
    missing,
    command: (c, n) => argv(c, n),
    profile: (c, n, file) => argv(c, n, file),
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  };
}

/**
 * A system measured by an external program: `argv(c, n)` is its command line, `probe` a command that prints its
 * version and fails when it is absent, `install` what to do then. Never faked: an absent peer is skipped with a notice.
 */
export function programSystem(
  name: string,
  probe: readonly string[],
  install: string,
  argv: (c: Case, n: number) => readonly string[],
): System {
  let version: string | undefined;
  return {
    name,
    missing() {
      const [cmd, ...args] = probe;
      const r = spawnSync(cmd!, args, { encoding: "utf8" });
      if (r.status !== 0) return `not installed here (${probe.join(" ")} failed); install it with: ${install}`;
      version = r.stdout.trim();
      return null;
    },
    command: argv,
    version: () => version,
  };
}
