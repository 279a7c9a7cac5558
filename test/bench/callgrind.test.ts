// `npm run bench:instructions` (bench/instructions/run.ts) reads callgrind's counts and turns two runs into a cost
// per connection or request (bench/instructions/callgrind.ts); these check that arithmetic and the reading of its files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { instructionsIn, marginal, totalInstructions } from "../../bench/instructions/callgrind";

// The head and tail of a real callgrind output file, counts shortened.
const OUT = "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 888\ncmd:  node --import tsx bench/lb/hub-proxy.ts\npart: 1\n\npositions: line\nevents: Ir\nsummary: 1258058732\n\n\nfn=(1) 0x0000000000108090\n0 3\n\ntotals: 1258058732\n";

describe("instruction counts from callgrind", () => {
  it("reads the count of an output file, from its summary line or else its totals line", () => {
    expect(totalInstructions(OUT)).toBe(1258058732);
    expect(totalInstructions(OUT.replace(/^summary:.*\n/m, ""))).toBe(1258058732);
    expect(totalInstructions("# callgrind format\nevents: Ir\n")).toBeNull();
  });

  it("adds up the files of one run (a file per thread or per dump), and names a file that holds no count", () => {
    const dir = mkdtempSync(join(tmpdir(), "hub-cg-"));
    try {
      writeFileSync(join(dir, "a"), OUT);
      writeFileSync(join(dir, "b"), OUT.replaceAll("1258058732", "1000"));
      expect(instructionsIn([join(dir, "a"), join(dir, "b")])).toBe(1258059732);
      writeFileSync(join(dir, "c"), "not callgrind\n");
      expect(() => instructionsIn([join(dir, "a"), join(dir, "c")])).toThrow(/\/c: no "summary:" or "totals:" line/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the cost of one more unit from two sizes of the same load, leaving out what both runs paid", () => {
    // 2.0e9 of start-up and compiling in both runs, 400k a connection.
    const m = marginal({ size: 2000, instructions: 2.0e9 + 2000 * 400e3 }, { size: 6000, instructions: 2.0e9 + 6000 * 400e3 });
    expect(m.perUnit).toBe(400e3);
    expect(() => marginal({ size: 6000, instructions: 1 }, { size: 2000, instructions: 2 })).toThrow(/must be larger/);
  });
});
