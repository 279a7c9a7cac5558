// From a schema's complaints to a compiler's error lines: each zod issue is placed on the line and column of the
// YAML node it is about. Built in chapter 14 (lab task 1).
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode } from "yaml";

// #region config-issue
/** One mistake in a config: where (a path such as `listeners.web.backends[1].port`, 1-based line and column) and why. */
export interface ConfigIssue {
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** What issuesFrom reads of a zod issue (zod 4's `$ZodIssue` has these fields). */
export interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** unrecognized_keys: the fields the schema does not know. */
  readonly keys?: readonly string[];
  /** The value that was refused, when the parse was asked to report it (undefined: the field is missing). */
  readonly input?: unknown;
}
// #endregion

/** `["listeners", "web", "backends", 1, "port"]` → `listeners.web.backends[1].port`; the root is "". */
export function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : `${out === "" ? "" : "."}${String(seg)}`;
  return out;
}

// #region position-of
/**
 * The offset in the text of the node at `path`: its value, or with `at: "key"` its key (`port:` rather than what
 * follows it). Where the path leaves the document (a field that is missing), the offset of the deepest key that is
 * there, so a missing field is reported where its parent is named; where the path goes inside a scalar (a strategy
 * written as a string is checked as `{ name }`), that scalar's.
 */
export function positionOf(doc: Document, path: readonly PropertyKey[], at: "value" | "key" = "value"): number {
  // TODO(task 1): positionOf. See README.md.
  throw new Error("not implemented yet — lab 14-capstone, task 1: positionOf");
}

/** Where a node starts; 0 for no node (an empty document). */
function startOf(n: unknown): number {
  return (n as YamlNode | null)?.range?.[0] ?? 0;
}
// #endregion

// #region issues-from
/**
 * Every schema issue as ConfigIssues, sorted by line then column: an unknown field is one issue per field, at its
 * key, `unknown field "x"`; a missing field is `missing "x"`, at its parent's key; any other keeps zod's message,
 * at the value refused.
 */
export function issuesFrom(issues: readonly SchemaIssue[], doc: Document, lines: LineCounter): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  // TODO(task 1): issuesFrom. See README.md.
  throw new Error("not implemented yet — lab 14-capstone, task 1: issuesFrom");
  return out;
}
// #endregion

/** A JSON text's first syntax error as an issue (JSON.parse stops at the first), or null when it parses. */
export function jsonSyntaxIssue(text: string): ConfigIssue | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    const pos = at === null ? text.length : Number(at[1]);
    let line = 1;
    let column = 1;
    for (let i = 0; i < pos && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        column = 1;
      } else column++;
    }
    return { path: "", line, column, message: message.replace(/ in JSON at position \d+.*$/, "").replace(/ \(line \d+ column \d+\)$/, "") };
  }
}
