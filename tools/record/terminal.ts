// Records a program in a pseudo-terminal with util-linux `script`, as an asciicast v2 (Debian's asciinema 2.2 loses
// exit codes; `script -e` keeps them). Output is timed as it arrives from script's stdout.
import { StringDecoder } from "node:string_decoder";
import { screenRows, type Cast, type CastEvent } from "../lib/cast";
import { spawnGroup } from "../lib/process-group";

export interface RecordOptions {
  readonly cwd: string;
  /** The program and its arguments; each is shell-quoted. */
  readonly argv: readonly string[];
  /** The command line the cast shows after its prompt. */
  readonly shown: string;
  readonly title: string;
  readonly cols?: number;
  /** The tallest terminal; the cast is then shrunk to the lines the program printed (see below). */
  readonly maxRows?: number;
  readonly timeoutSeconds?: number;
}

const quote = (s: string): string => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Runs the program in a terminal; rejects when it exits non-zero, prints nothing, or runs past its time limit. */
export function recordTerminal(o: RecordOptions): Promise<Cast> {
  const cols = o.cols ?? 80;
  const maxRows = o.maxRows ?? 48;
  const limit = o.timeoutSeconds ?? 60;
  const command = `stty cols ${cols} rows ${maxRows}; exec ${o.argv.map(quote).join(" ")}`;
  // A fixed, small environment: the recording must print the same text on a laptop and in CI.
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", TERM: "xterm-256color", LANG: "C.UTF-8" };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;

  return new Promise((resolve, reject) => {
    // stdin is /dev/null: with a closed stdin (as in CI) `script` records nothing.
    // Its own process group: at the time limit script, the shell and the program all go.
    const group = spawnGroup("script", ["-qefc", command, "/dev/null"], {
      cwd: o.cwd, env, stdio: ["ignore", "pipe", "pipe"], deadlineMs: limit * 1000,
      onDeadline: () => reject(new Error(`still running after ${limit} s; killed`)),
    });
    const child = group.child;
    const started = process.hrtime.bigint();
    const events: CastEvent[] = [[0, "o", `$ ${o.shown}\r\n`]];
    const decoder = new StringDecoder("utf8");
    let stderr = "";
    const at = () => Number((Number(process.hrtime.bigint() - started) / 1e9).toFixed(6));
    child.stdout!.on("data", (chunk: Buffer) => {
      const data = decoder.write(chunk);
      if (data) events.push([Math.max(at(), 0.001), "o", data]);
    });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (e) => {
      reject(new Error(`cannot run script (util-linux): ${e.message}`));
    });
    child.on("close", (code, signal) => {
      const rest = decoder.end();
      if (rest) events.push([at(), "o", rest]);
      const text = events.slice(1).map((e) => e[2]).join("");
      if (code !== 0) {
        reject(new Error(`${o.shown} exited with ${signal ?? `code ${code}`}:\n${text}${stderr}`));
        return;
      }
      if (!text.trim()) {
        reject(new Error(`${o.shown} printed nothing${stderr ? `: ${stderr}` : ""}`));
        return;
      }
      // The program ran in a terminal of maxRows; when its output fits in fewer lines, nothing scrolled, so a
      // shorter terminal shows the same screen: the player then needs no empty rows below the output.
      const rows = screenRows(events.map((e) => e[2]).join(""), cols);
      resolve({
        header: { version: 2, width: cols, height: Math.min(maxRows, Math.max(rows + 1, 8)), title: o.title, idle_time_limit: 1, env: { TERM: env.TERM } },
        events,
      });
    });
  });
}

