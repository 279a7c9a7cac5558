// Types for the npm package parse-prometheus-text-format 1.1.1 (it ships none), as its README describes its output
// (prom2json's shape). Used by test/support/prometheus.ts.
declare module "parse-prometheus-text-format" {
  export interface ParsedMetric {
    readonly value?: string;
    readonly labels?: Readonly<Record<string, string>>;
    /** Histograms: cumulative counts by `le`. */
    readonly buckets?: Readonly<Record<string, string>>;
    /** Summaries: values by quantile. */
    readonly quantiles?: Readonly<Record<string, string>>;
    readonly count?: string;
    readonly sum?: string;
  }
  export interface ParsedFamily {
    readonly name: string;
    readonly help: string;
    readonly type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    readonly metrics: readonly ParsedMetric[];
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
