// The Prometheus text exposition format, version 0.0.4: what a GET /metrics answers, and what Prometheus, VictoriaMetrics,
// the OpenTelemetry collector and every other scraper read. Built in chapter 13.
//
// The format ("Exposition formats" in Prometheus's docs; the parser is expfmt's text_parse.go): one family after
// another, each a `# HELP name text` line, a `# TYPE name type` line and its samples, `name{label="value",…} value`,
// one per line, every line ending in "\n". Help escapes `\` and newline; a label value escapes `\`, `"` and newline;
// a value is a float, with `+Inf`, `-Inf` and `NaN` spelled so. We leave out the optional timestamp: the scraper
// stamps each sample with the time of the scrape, which is what Prometheus recommends for live values.
import type { MetricFamily, Registry, Sample } from "./metrics";

// #region content-type
/** The Content-Type of a 0.0.4 exposition. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
// #endregion

// #region escaping
/** A HELP text: `\` becomes `\\` and a newline `\n`. */
export function escapeHelp(text: string): string {
  // TODO(task 3): escapeHelp. See README.md.
  throw new Error("not implemented yet — lab 13-observability, task 3: escapeHelp");
}

/** A label value: `\` becomes `\\`, `"` becomes `\"` and a newline `\n`. */
export function escapeLabelValue(value: string): string {
  // TODO(task 3): escapeLabelValue. See README.md.
  throw new Error("not implemented yet — lab 13-observability, task 3: escapeLabelValue");
}

/** A sample's value: `+Inf`, `-Inf`, `NaN`, or the number as JavaScript prints it (Go's ParseFloat reads it). */
export function formatValue(v: number): string {
  // TODO(task 3): formatValue. See README.md.
  throw new Error("not implemented yet — lab 13-observability, task 3: formatValue");
}
// #endregion

// #region format
/** One sample as a line, without its newline: `name{a="x",b="y"} value`, or `name value` without labels. */
export function formatSample(s: Sample): string {
  // TODO(task 3): formatSample. See README.md.
  throw new Error("not implemented yet — lab 13-observability, task 3: formatSample");
}

/** Families in the text format: for each, its HELP line, its TYPE line, then its samples; every line ends in "\n". */
export function formatFamilies(families: readonly MetricFamily[]): string {
  // TODO(task 3): formatFamilies. See README.md.
  throw new Error("not implemented yet — lab 13-observability, task 3: formatFamilies");
}

/** The whole registry, as a scrape sees it now. */
export const exposition = (registry: Registry): string => formatFamilies(registry.gather());
// #endregion
