// The recorder: a program run in a terminal by util-linux `script` becomes an asciicast v2 whose text is what the
// program printed; a non-zero exit code survives and fails the recording; casts compare by text, not timing.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { castText, parseCast, serializeCast } from "../../tools/lib/cast";
import { screenRows } from "../../tools/lib/cast";
import { recordTerminal } from "../../tools/record/terminal";

const hasScript = spawnSync("script", ["--version"]).status === 0;
if (!hasScript) console.warn("util-linux `script` not found: the recorder's tests are skipped. Install it with: apt-get install -y bsdutils");

describe.skipIf(!hasScript)("recording a terminal", () => {
  it("records what the program prints, in a terminal of the given width, shrunk to its output", async () => {
    const cast = await recordTerminal({ cwd: process.cwd(), argv: ["sh", "-c", "stty size; printf 'one\\ntwo\\n'"], shown: "demo", title: "t" });
    expect(cast.header).toMatchObject({ version: 2, width: 80, height: 8 });
    expect(castText(cast)).toBe("$ demo\n48 80\none\ntwo\n");
  });

  it("fails when the program exits non-zero, with its output", async () => {
    await expect(
      recordTerminal({ cwd: process.cwd(), argv: ["sh", "-c", "echo broken; exit 3"], shown: "demo", title: "t" }),
    ).rejects.toThrow(/exited with code 3:\s+broken/);
  });

  it("fails when the program outlives its time limit", async () => {
    await expect(
      recordTerminal({ cwd: process.cwd(), argv: ["sleep", "30"], shown: "sleep", title: "t", timeoutSeconds: 1 }),
    ).rejects.toThrow(/still running after 1 s/);
  });
});

describe("casts", () => {
  it("are as tall as the output's rows, long lines wrapped", () => {
    expect(screenRows("$ demo\r\none\r\n", 80)).toBe(2);
    expect(screenRows(`$ demo\r\n${"x".repeat(81)}\r\n\x1b[1mbold\x1b[0m\r\n`, 80)).toBe(4);
  });

  it("compare by text: the same output at other times is the same cast", () => {
    const a = parseCast(serializeCast({ header: { version: 2, width: 80, height: 24 }, events: [[0, "o", "a\r\n"], [0.5, "o", "b"]] }));
    const b = parseCast(serializeCast({ header: { version: 2, width: 80, height: 24 }, events: [[0, "o", "a"], [2.5, "o", "\r\nb"]] }));
    expect(castText(a)).toBe(castText(b));
  });
});
