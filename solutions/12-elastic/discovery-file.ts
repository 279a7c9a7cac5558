// Discovery from a file: a JSON or YAML list of backends that an operator (or a deploy tool) edits while the
// balancer runs. Built in chapter 12. A broken edit keeps the last good set and says what is wrong, and on which line.
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from "yaml";
import { sleep } from "../02-hub/green";
import type { Green } from "../02-hub/suspend";
import { spawn, type GreenThread } from "../03-cancellation/greenthread";
import { checkBackend, checkWeight, MembershipError, type Membership } from "./membership";
import { reconcile, type Wanted } from "./reconcile";

// #region parse
/** A file that could not be used: why, and the line it is about (null when no line is to blame). */
export class DiscoveryError extends Error {
  override name = "DiscoveryError";
  constructor(
    readonly reason: string,
    readonly line: number | null,
  ) {
    super(line === null ? reason : `line ${line}: ${reason}`);
  }
}

export type FileFormat = "json" | "yaml";

/** ".json" is JSON; anything else (".yaml", ".yml") is YAML. */
export const formatOf = (path: string): FileFormat => (path.toLowerCase().endsWith(".json") ? "json" : "yaml");

const FIELDS = new Set(["name", "host", "port", "weight"]);

/**
 * The backends a file lists: `{ backends: [{ name, host, port, weight? }, …] }`, or the list alone. Throws
 * DiscoveryError, with the line, on a syntax error, a field that is missing, unknown or out of range, or a name
 * listed twice. JSON is read by JSON.parse (strict: no comments, no trailing commas); YAML by the `yaml` package.
 */
export function parseBackendList(text: string, format: FileFormat): Wanted[] {
  if (format === "json") {
    try {
      JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const at = jsonErrorPosition(text, message);
      throw new DiscoveryError(message.replace(/ in JSON at position \d+.*$/, "").replace(/, ("|\.\.\.)[^]*" is not valid JSON$/, ""), at === null ? null : lineAt(text, at));
    }
  }
  // JSON is YAML too (YAML 1.2): one reader gives every node its line, for the checks below.
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (n: YamlNode | null | undefined): number | null => (n?.range ? lines.linePos(n.range[0]).line : null);
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    throw new DiscoveryError(err.message.split("\n")[0]!, lines.linePos(err.pos[0]).line);
  }
  let list = doc.contents as YamlNode | null;
  if (isMap(list)) list = (list.get("backends", true) as YamlNode | undefined) ?? null;
  if (!isSeq(list)) throw new DiscoveryError(`expected a list of backends, or "backends:" with a list`, lineOf(doc.contents as YamlNode | null));
  const out: Wanted[] = [];
  const seen = new Set<string>();
  list.items.forEach((item, i) => {
    const line = lineOf(item as YamlNode);
    const where = `backend ${i + 1}`;
    if (!isMap(item)) throw new DiscoveryError(`${where}: expected name, host, port and an optional weight`, line);
    const js = item.toJSON() as Record<string, unknown>;
    for (const k of Object.keys(js)) if (!FIELDS.has(k)) throw new DiscoveryError(`${where}: unknown field "${k}"`, line);
    const w: Wanted = { name: js.name as string, host: js.host as string, port: js.port as number, weight: (js.weight ?? 1) as number };
    try {
      checkBackend({ name: w.name, address: { host: w.host, port: w.port } });
      checkWeight(w.weight);
    } catch (e) {
      if (e instanceof MembershipError) throw new DiscoveryError(`${where}: ${e.message}`, line);
      throw e;
    }
    if (seen.has(w.name)) throw new DiscoveryError(`${where}: the name "${w.name}" is listed twice`, line);
    seen.add(w.name);
    out.push(w);
  });
  return out;
}

/**
 * Where JSON.parse failed. V8 says "… in JSON at position 42" for some errors; for an unexpected token it quotes the
 * text around it instead (`Unexpected token ']', ...": 1 },\n] }" is not valid JSON`), about ten characters either
 * side, with "..." where it cut: we find that excerpt in the text, and the token in it.
 */
function jsonErrorPosition(text: string, message: string): number | null {
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/end of JSON input/.test(message)) return text.length;
  const m = /^Unexpected token '([^]*?)', ("|\.\.\.)([^]*?)(\.\.\.)?" is not valid JSON$/.exec(message);
  if (!m) return null;
  const token = m[1]!;
  const cutBefore = m[2] === "...";
  const excerpt = m[3]!;
  const start = text.indexOf(excerpt);
  if (start < 0) return null;
  // The token: the first one in the excerpt, or, when V8 cut the text before it, the one nearest ten characters in.
  let best = -1;
  for (let i = excerpt.indexOf(token); i >= 0; i = excerpt.indexOf(token, i + 1)) {
    if (best < 0 || (cutBefore && Math.abs(i - 10) < Math.abs(best - 10))) best = i;
    if (!cutBefore) break;
  }
  return best < 0 ? null : start + best;
}

/** The 1-based line of character `pos`. */
function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
// #endregion

// #region watch
export interface FileWatchOptions {
  /** Milliseconds between looks at the file. @default 1000 */
  readonly interval?: number;
  /** How the file is read. @default readFileSync as UTF-8 */
  readonly read?: (path: string) => string;
  /** The source name its members carry. @default "file" */
  readonly source?: string;
  /** Problems and changes, as lines. @default nothing */
  readonly log?: (line: string) => void;
}

export class FileWatch {
  /** The last good list, once there is one. */
  good: Wanted[] | null = null;
  /** What is wrong with the file now; null when it was read fine. */
  error: DiscoveryError | null = null;
  /** Good versions read so far. */
  loads = 0;
  #thread: GreenThread<void> | null = null;
  #text: string | null = null;

  constructor(
    readonly membership: Membership,
    readonly path: string,
    readonly options: FileWatchOptions = {},
  ) {}

  /** Reads the file now, and if it changed and is good, makes it the set; then brings the members in line. */
  check(): void {
    const log = this.options.log ?? (() => {});
    let text: string;
    try {
      text = (this.options.read ?? ((p: string) => readFileSync(p, "utf8")))(this.path);
    } catch (e) {
      this.#fail(new DiscoveryError(`cannot read ${this.path}: ${(e as Error).message}`, null));
      text = this.#text ?? "";
    }
    if (text !== this.#text) {
      this.#text = text;
      try {
        this.good = parseBackendList(text, formatOf(this.path));
        this.error = null;
        this.loads++;
      } catch (e) {
        if (!(e instanceof DiscoveryError)) throw e;
        this.#fail(e);
      }
    }
    if (this.good === null) return;
    const { changes, refused } = reconcile(this.membership, this.options.source ?? "file", this.good);
    for (const c of changes) log(`${this.path}: ${c}`);
    for (const r of refused) log(`${this.path}: refused ${r}`);
  }

  /** Looks at the file every `interval` ms, in a green thread, until stopped. */
  start(): void {
    // Simplification: a production balancer would be told of a change (inotify, through fs.watch) and read the file
    // once it settles; we look every interval on the hub's clock, which a test can drive and which cannot miss an
    // editor's rename-into-place.
    if (this.#thread !== null) return;
    this.#thread = spawn(function* watch(w: FileWatch) {
      for (;;) {
        w.check();
        yield* sleep(w.options.interval ?? 1000);
      }
    }, this);
  }

  *stop(): Green<void> {
    const t = this.#thread;
    this.#thread = null;
    if (t !== null) yield* t.kill();
  }

  #fail(e: DiscoveryError): void {
    const fresh = this.error?.message !== e.message;
    this.error = e;
    if (fresh) (this.options.log ?? (() => {}))(`${this.path}: ${e.message}; keeping the last good set (${this.good?.length ?? 0} backends)`);
  }
}
// #endregion
