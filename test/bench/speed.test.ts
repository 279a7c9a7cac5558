// bench/lib/speed.ts: the time of two fixed pieces of work, which every result records so that runs made on a slower
// day of the machine can be told apart.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cpuMitigations, referenceWork } from "../../bench/lib/speed";

describe("referenceWork", () => {
  it("runs the work in a fresh Node process and gives each part's time in milliseconds, to a tenth", () => {
    const w = referenceWork();
    expect(w).not.toBeNull();
    for (const ms of [w!.javascriptMs, w!.loopbackMs]) {
      expect(ms).toBeGreaterThan(0);
      expect(ms * 10).toBeCloseTo(Math.round(ms * 10), 6);
    }
  });

  it("gives null, not a figure, when the work failed or printed something else", () => {
    const printed = (stdout: string, status: number | null = 0) => () => ({ status, stdout });
    expect(referenceWork(printed('{"javascript":123.456,"loopback":51.24}\n'))).toEqual({ javascriptMs: 123.5, loopbackMs: 51.2 });
    expect(referenceWork(printed('{"javascript":123,"loopback":51}\n', 1))).toBeNull();
    expect(referenceWork(printed("", null))).toBeNull();
    expect(referenceWork(printed(""))).toBeNull();
    expect(referenceWork(printed("null\n"))).toBeNull();
    expect(referenceWork(printed('{"javascript":123}\n'))).toBeNull();
    expect(referenceWork(printed('{"javascript":"fast","loopback":51}\n'))).toBeNull();
    expect(referenceWork(printed('{"javascript":0,"loopback":51}\n'))).toBeNull();
  });
});

describe("cpuMitigations", () => {
  it("names each flaw the kernel mitigates, with how (up to the first ';'), in the files' order; not the others", () => {
    const dir = mkdtempSync(join(tmpdir(), "vulnerabilities-"));
    try {
      writeFileSync(join(dir, "spectre_v2"), "Mitigation: Retpolines; STIBP: disabled; RSB filling\n");
      writeFileSync(join(dir, "meltdown"), "Mitigation: PTI\n");
      writeFileSync(join(dir, "mds"), "Not affected\n");
      writeFileSync(join(dir, "spec_store_bypass"), "Vulnerable\n");
      mkdirSync(join(dir, "unreadable")); // a directory where a file was expected: left out, not an error
      expect(cpuMitigations(dir)).toBe("meltdown: PTI; spectre_v2: Retpolines");
      for (const f of ["meltdown", "spectre_v2"]) rmSync(join(dir, f));
      expect(cpuMitigations(dir), "nothing mitigated").toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(cpuMitigations(join(tmpdir(), "no-such-dir-of-vulnerabilities")), "a kernel that does not say").toBeNull();
  });
});
