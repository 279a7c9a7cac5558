// Checking a /metrics answer two ways: a well-kept parser (parse-prometheus-text-format, a port of client_python's),
// and a line-by-line check against the grammar of the text format 0.0.4 ("Exposition formats", Prometheus docs; the
// reference parser is expfmt's text_parse.go). Used by chapter 13's tests and chapter 14's.
//
// The parser is lenient (it accepts, say, an unknown escape); the grammar check is strict and says which line broke
// which rule, so a failing test points at the line. The parser (1.1.1) also folds a histogram that has labels into
// one series and drops its `_sum` and `_count` (its flattenMetrics keeps `le` only): read such a histogram's lines
// with `sampleValue`, which reads the text line by line as the grammar check does.
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";

export type { ParsedFamily } from "parse-prometheus-text-format";

/** The families of `text`, as parse-prometheus-text-format reads them. */
export const parseExposition = (text: string): ParsedFamily[] => parsePrometheusTextFormat(text);

const METRIC_NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL_NAME = "[a-zA-Z_][a-zA-Z0-9_]*";
/** A label value between quotes: any character but `"`, `\` and newline, or one of the three escapes. */
const LABEL_VALUE = String.raw`"(?:[^"\\\n]|\\[\\"n])*"`;
/** A float as Go's strconv.ParseFloat reads it, plus the format's Inf and NaN spellings. */
const FLOAT = String.raw`[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|inf|NaN)`;
const LABEL = `${LABEL_NAME}\\s*=\\s*${LABEL_VALUE}`;
const SAMPLE = new RegExp(`^(${METRIC_NAME})\\s*(?:\\{\\s*((?:${LABEL}\\s*(?:,\\s*${LABEL}\\s*)*,?)?)\\s*\\})?[ \\t]+(${FLOAT})(?:[ \\t]+(-?\\d+))?[ \\t]*$`);
const HELP = new RegExp(`^#[ \\t]+HELP[ \\t]+(${METRIC_NAME})(?:[ \\t]+(.*))?$`);
const TYPE = new RegExp(`^#[ \\t]+TYPE[ \\t]+(${METRIC_NAME})[ \\t]+(counter|gauge|histogram|summary|untyped)[ \\t]*$`);
const ONE_LABEL = new RegExp(`(${LABEL_NAME})\\s*=\\s*(${LABEL_VALUE})`, "g");

const unescape = (quoted: string): string => quoted.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
const parseFloatValue = (s: string): number => (/^[+-]?inf$/i.test(s) ? (s.startsWith("-") ? -Infinity : Infinity) : Number(s));

/** The family a sample name belongs to, given the types declared so far (`x_bucket` of histogram `x` is `x`). */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = types.get(base);
    if (t === "histogram" || (t === "summary" && suffix !== "_bucket")) return base;
  }
  return name;
}

/**
 * Every way `text` breaks the 0.0.4 format, as "line N: what" (an empty list when it keeps every rule): the grammar
 * of each line, escapes in HELP and label values, one HELP and one TYPE per family and before its samples, each
 * family's lines in one group, no series twice, and for histograms cumulative `_bucket` lines with increasing `le`,
 * ending at `+Inf`, equal to `_count`, with `_sum` present.
 */
export function checkExposition(text: string): string[] {
  const errors: string[] = [];
  if (text.length > 0 && !text.endsWith("\n")) errors.push("the last line does not end in a newline");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const sampled = new Set<string>(); // families that have had a sample
  const finished = new Set<string>(); // families whose group has ended
  const series = new Set<string>();
  let current: string | null = null;
  // Per histogram series (family + labels without le): its buckets in order, and its _count / _sum.
  const histograms = new Map<string, { family: string; line: number; buckets: [number, number][]; count?: number; sum?: number }>();
  const enter = (family: string, n: number): void => {
    if (family === current) return;
    if (finished.has(family)) errors.push(`line ${n}: ${family} continues after other families' lines: a family's lines form one group`);
    if (current !== null) finished.add(current);
    current = family;
  };
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const help = HELP.exec(line);
      if (/^#[ \t]+HELP\b/.test(line)) {
        if (!help) return void errors.push(`line ${n}: a HELP line is "# HELP name text": ${JSON.stringify(line)}`);
        const name = help[1]!;
        if ((help[2] ?? "").replace(/\\[\\n]/g, "").includes("\\")) errors.push(`line ${n}: HELP of ${name} has an escape other than \\\\ and \\n`);
        if (helps.has(name)) errors.push(`line ${n}: a second HELP for ${name}`);
        helps.add(name);
        enter(name, n);
        return;
      }
      if (/^#[ \t]+TYPE\b/.test(line)) {
        const type = TYPE.exec(line);
        if (!type) return void errors.push(`line ${n}: a TYPE line is "# TYPE name counter|gauge|histogram|summary|untyped": ${JSON.stringify(line)}`);
        const name = type[1]!;
        if (types.has(name)) errors.push(`line ${n}: a second TYPE for ${name}`);
        if (sampled.has(name)) errors.push(`line ${n}: the TYPE of ${name} comes after its samples`);
        types.set(name, type[2]!);
        enter(name, n);
        return;
      }
      return; // any other comment
    }
    const m = SAMPLE.exec(line);
    if (!m) return void errors.push(`line ${n}: not a sample (name{label="value",…} value [timestamp]): ${JSON.stringify(line)}`);
    const [, name, labelText = "", valueText] = m;
    const labels: [string, string][] = [];
    for (const [, k, v] of labelText.matchAll(ONE_LABEL)) labels.push([k!, unescape(v!)]);
    const names = labels.map(([k]) => k);
    if (new Set(names).size !== names.length) errors.push(`line ${n}: a label appears twice`);
    if (names.some((k) => k.startsWith("__"))) errors.push(`line ${n}: label names starting with "__" are reserved`);
    const family = familyOf(name!, types);
    enter(family, n);
    sampled.add(family);
    const key = JSON.stringify([name, [...labels].sort()]);
    if (series.has(key)) errors.push(`line ${n}: the same series twice: ${name}{${names.join(",")}}`);
    series.add(key);
    const value = parseFloatValue(valueText!);
    const type = types.get(family) ?? "untyped";
    if (type === "counter" && !(value >= 0)) errors.push(`line ${n}: counter ${name} is ${valueText}: a counter is never negative`);
    if (type === "histogram") {
      const rest = labels.filter(([k]) => k !== "le");
      const id = JSON.stringify([family, rest.sort()]);
      const h = histograms.get(id) ?? { family, line: n, buckets: [] };
      histograms.set(id, h);
      if (name === `${family}_bucket`) {
        const le = labels.find(([k]) => k === "le");
        if (le === undefined) return void errors.push(`line ${n}: a _bucket line needs an le label`);
        const bound = /^[+-]?Inf$/.test(le[1]) ? (le[1].startsWith("-") ? -Infinity : Infinity) : Number(le[1]);
        if (Number.isNaN(bound) || le[1].trim() === "") return void errors.push(`line ${n}: le="${le[1]}" is not a number`);
        h.buckets.push([bound, value]);
      } else if (name === `${family}_count`) h.count = value;
      else if (name === `${family}_sum`) h.sum = value;
      else errors.push(`line ${n}: ${name} is not a sample of histogram ${family} (_bucket, _sum, _count)`);
    }
  });
  for (const h of histograms.values()) {
    const at = `histogram ${h.family} (from line ${h.line})`;
    for (let i = 1; i < h.buckets.length; i++) {
      if (!(h.buckets[i]![0] > h.buckets[i - 1]![0])) errors.push(`${at}: le ${h.buckets[i]![0]} after ${h.buckets[i - 1]![0]}: bounds must increase`);
      if (h.buckets[i]![1] < h.buckets[i - 1]![1]) errors.push(`${at}: bucket le=${h.buckets[i]![0]} holds ${h.buckets[i]![1]}, fewer than the one before: buckets are cumulative`);
    }
    const last = h.buckets[h.buckets.length - 1];
    if (last === undefined || last[0] !== Infinity) errors.push(`${at}: the last bucket must be le="+Inf"`);
    else if (h.count !== undefined && last[1] !== h.count) errors.push(`${at}: the +Inf bucket holds ${last[1]} but _count is ${h.count}`);
    if (h.count === undefined) errors.push(`${at}: no _count line`);
    if (h.sum === undefined) errors.push(`${at}: no _sum line`);
  }
  return errors;
}

/** The value of the sample line `name{labels}` of `text` (a full sample name: `x_bucket`, `x_count`…); undefined if absent. */
export function sampleValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line);
    if (m === null || m[1] !== name) continue;
    const got: [string, string][] = [];
    for (const [, k, v] of (m[2] ?? "").matchAll(ONE_LABEL)) got.push([k!, unescape(v!)]);
    if (JSON.stringify(got.sort()) === want) return parseFloatValue(m[3]!);
  }
  return undefined;
}

/** The value of one counter, gauge or untyped series in parsed families, with exactly `labels`; undefined if absent. */
export function valueOf(families: readonly ParsedFamily[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const f = families.find((x) => x.name === name);
  const want = JSON.stringify(Object.entries(labels).sort());
  const m = f?.metrics.find((x) => JSON.stringify(Object.entries(x.labels ?? {}).sort()) === want);
  return m?.value === undefined ? undefined : parseFloatValue(m.value);
}
