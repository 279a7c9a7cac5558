// asciicast v2 files (https://docs.asciinema.org/manual/asciicast/v2/): read, write, and reduce to their text.
// Shared by the recorder (tools/record.ts) and the course site, which plays the casts; in tools/lib, which both may import.

export interface CastHeader {
  readonly version: 2;
  readonly width: number;
  readonly height: number;
  readonly title?: string;
  /** Pauses longer than this many seconds are shortened on playback. */
  readonly idle_time_limit?: number;
  readonly env?: Readonly<Record<string, string>>;
}

/** [seconds since start, "o" for output, data]. */
export type CastEvent = readonly [number, string, string];

export interface Cast {
  readonly header: CastHeader;
  readonly events: readonly CastEvent[];
}

export function parseCast(text: string, file = "cast"): Cast {
  const lines = text.split("\n").filter((l) => l.trim());
  if (!lines.length) throw new Error(`${file}: empty cast`);
  const header = JSON.parse(lines[0]) as CastHeader;
  if (header.version !== 2) throw new Error(`${file}: not an asciicast v2 file (version ${header.version})`);
  const events = lines.slice(1).map((l, i) => {
    const e = JSON.parse(l) as CastEvent;
    if (!Array.isArray(e) || typeof e[0] !== "number" || typeof e[2] !== "string") {
      throw new Error(`${file}:${i + 2}: an event must be [time, code, data]`);
    }
    return e;
  });
  return { header, events };
}

export const serializeCast = (cast: Cast): string =>
  [cast.header, ...cast.events].map((x) => JSON.stringify(x)).join("\n") + "\n";

/**
 * What the terminal received, without timing: two recordings of a deterministic program have the same text
 * even though their timings differ, so this is what `npm run record -- --check` compares.
 */
export const castText = (cast: Cast): string =>
  cast.events.filter((e) => e[1] === "o").map((e) => e[2]).join("").replace(/\r\n/g, "\n");

/** Terminal rows the output fills: a line longer than the terminal is wide wraps onto more rows. */
export function screenRows(output: string, cols: number): number {
  const plain = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r\n$/, "");
  return plain.split("\n").reduce((n, line) => {
    const width = [...line.replace(/\r/g, "")].length;
    return n + Math.max(1, Math.ceil(width / cols));
  }, 0);
}
