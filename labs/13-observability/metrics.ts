// Metrics: a registry of counters, gauges and histograms with labels — the data model of Prometheus's client
// libraries (client_golang, client_python, prom-client), small enough to read in one sitting. Built in chapter 13.
//
// Design principles
//   1. A metric is declared once, with its name, its help and its label names; a value is kept per label set (a
//      "child"), created the first time that set is used. Names and labels are checked when declared or first
//      used, never at scrape time.
//   2. Updating is an addition on a plain object: nothing per request allocates once a child exists.
//   3. What is already counted somewhere is read at scrape time (`Registry.collect`), not counted twice.
//   4. `gather()` is the whole state at one moment, sorted, so the same state always prints the same text.

// #region types
export type MetricType = "counter" | "gauge" | "histogram";

/** A label set, by name: `{ backend: "b1", code: "2xx" }`. */
export type Labels = Readonly<Record<string, string>>;

/** One line of the exposition: a full name (`_bucket`, `_sum`, `_count` included), its labels in order, a value. */
export interface Sample {
  readonly name: string;
  readonly labels: readonly (readonly [string, string])[];
  readonly value: number;
}

/** A metric as a scrape sees it: name, help, type and every sample, sorted by label values. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

export interface MetricOptions {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; a counter's ends in `_total`; base units (`_seconds`, `_bytes`). */
  readonly name: string;
  /** One line saying what it counts. */
  readonly help: string;
  /** The label names, fixed here: every update gives a value for each. @default none */
  readonly labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, strictly increasing; `+Inf` is added when missing. @default DEFAULT_BUCKETS */
  readonly buckets?: readonly number[];
}

/** client_golang's and client_python's default buckets, in seconds: 5 ms to 10 s. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A metric or label name, or a label value, that the format does not allow; a label set that does not fit. */
export class MetricError extends Error {
  override name = "MetricError";
}
// #endregion

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// #region metric
/** What every metric shares: its declaration and its children, one per label set. */
export abstract class Metric<Child> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** The children by key (the label values, in the order of `labelNames`, as JSON). */
  readonly #children = new Map<string, { readonly values: readonly string[]; readonly child: Child }>();

  constructor(
    readonly type: MetricType,
    options: MetricOptions,
  ) {
    const { name, help } = options;
    const labelNames = options.labelNames ?? [];
    if (!METRIC_NAME.test(name)) throw new MetricError(`invalid metric name "${name}": use letters, digits, _ and :, not starting with a digit`);
    if (typeof help !== "string") throw new MetricError(`${name}: help must be a string`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l)) throw new MetricError(`${name}: invalid label name "${l}": use letters, digits and _, not starting with a digit`);
      if (l.startsWith("__")) throw new MetricError(`${name}: label names starting with "__" are reserved`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new MetricError(`${name}: a label name appears twice in (${labelNames.join(", ")})`);
    this.name = name;
    this.help = help;
    this.labelNames = [...labelNames];
  }

  /** A fresh child: what one label set holds. */
  protected abstract newChild(): Child;

  /** One child's samples, with its labels as pairs. */
  protected abstract childSamples(child: Child, labels: readonly (readonly [string, string])[]): Sample[];

  /**
   * The child of one label set, made the first time the set is used. `values` names every label of `labelNames`
   * and nothing else, each with a string.
   */
  labels(values: Labels = {}): Child {
    // TODO(task 1): Metric.labels. See README.md.
    throw new Error("not implemented yet — lab 13-observability, task 1: Metric.labels");
  }

  /** Forgets every child (a pull metric starts each scrape empty). */
  protected clear(): void {
    this.#children.clear();
  }

  /** This metric now: its children sorted by label values, so the same state always gives the same samples. */
  collect(): MetricFamily {
    const keys = [...this.#children.keys()].sort();
    const samples: Sample[] = [];
    for (const key of keys) {
      const { values, child } = this.#children.get(key)!;
      samples.push(...this.childSamples(child, this.labelNames.map((l, i) => [l, values[i]!] as const)));
    }
    return { name: this.name, help: this.help, type: this.type, samples };
  }
}
// #endregion

// #region counter-gauge
/** One label set's counter. */
export class CounterChild {
  #value = 0;

  get value(): number {
    return this.#value;
  }

  /** Adds `n` (default 1). A counter only goes up: a negative or non-finite `n` throws. */
  inc(n = 1): void {
    // TODO(task 1): CounterChild.inc. See README.md.
    throw new Error("not implemented yet — lab 13-observability, task 1: CounterChild.inc");
  }
}

/** A count of events since the start; it only goes up (Prometheus sees a restart as a reset to 0). */
export class Counter extends Metric<CounterChild> {
  constructor(options: MetricOptions) {
    super("counter", options);
    if (!options.name.endsWith("_total")) throw new MetricError(`counter "${options.name}": a counter's name ends in _total`);
  }

  protected newChild(): CounterChild {
    return new CounterChild();
  }

  protected childSamples(c: CounterChild, labels: readonly (readonly [string, string])[]): Sample[] {
    return [{ name: this.name, labels, value: c.value }];
  }

  /** For a counter without labels: adds `n`. */
  inc(n = 1): void {
    this.labels().inc(n);
  }
}

/** One label set's gauge. */
export class GaugeChild {
  #value = 0;

  get value(): number {
    return this.#value;
  }

  set(v: number): void {
    // TODO(task 1): GaugeChild.set. See README.md.
    throw new Error("not implemented yet — lab 13-observability, task 1: GaugeChild.set");
  }

  inc(n = 1): void {
    this.set(this.#value + n);
  }

  dec(n = 1): void {
    this.set(this.#value - n);
  }
}

/** A value that goes up and down: connections open now, a backend's state. */
export class Gauge extends Metric<GaugeChild> {
  constructor(options: MetricOptions) {
    super("gauge", options);
  }

  protected newChild(): GaugeChild {
    return new GaugeChild();
  }

  protected childSamples(g: GaugeChild, labels: readonly (readonly [string, string])[]): Sample[] {
    return [{ name: this.name, labels, value: g.value }];
  }

  /** For a gauge without labels. */
  set(v: number): void {
    this.labels().set(v);
  }

  inc(n = 1): void {
    this.labels().inc(n);
  }

  dec(n = 1): void {
    this.labels().dec(n);
  }
}
// #endregion

// #region histogram
/** A bucket's bound as its `le` label: `+Inf` for the last, the shortest decimal otherwise. */
export const leLabel = (bound: number): string => (bound === Infinity ? "+Inf" : String(bound));

/** One label set's histogram: a count per bucket (not cumulative here), the sum and the count of observations. */
export class HistogramChild {
  /** `counts[i]`: observations in (bounds[i-1], bounds[i]]. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  /** Records one observation: the first bucket whose bound is ≥ `v` counts it; sum and count grow. */
  observe(v: number): void {
    // TODO(task 2): HistogramChild.observe. See README.md.
    throw new Error("not implemented yet — lab 13-observability, task 2: HistogramChild.observe");
  }
}

/**
 * Observations counted into fixed buckets: a distribution a scraper can add up across instances and turn into
 * quantiles (PromQL's histogram_quantile). Exposed as cumulative `_bucket{le="…"}` samples, then `_sum` and `_count`.
 */
export class Histogram extends Metric<HistogramChild> {
  /** The upper bounds, strictly increasing, ending in +Inf. */
  readonly bounds: readonly number[];

  constructor(options: HistogramOptions) {
    super("histogram", options);
    if (this.labelNames.includes("le")) throw new MetricError(`${options.name}: "le" is reserved for a histogram's buckets`);
    this.bounds = checkBuckets(options.name, options.buckets ?? DEFAULT_BUCKETS);
  }

  protected newChild(): HistogramChild {
    return new HistogramChild(this.bounds);
  }

  protected childSamples(h: HistogramChild, labels: readonly (readonly [string, string])[]): Sample[] {
    // TODO(task 2): Histogram.childSamples. See README.md.
    throw new Error("not implemented yet — lab 13-observability, task 2: Histogram.childSamples");
  }

  /** For a histogram without labels. */
  observe(v: number): void {
    this.labels().observe(v);
  }
}

/** The bounds, checked: numbers, strictly increasing, +Inf added at the end when missing. */
export function checkBuckets(name: string, buckets: readonly number[]): number[] {
  // TODO(task 2): checkBuckets. See README.md.
  throw new Error("not implemented yet — lab 13-observability, task 2: checkBuckets");
}
// #endregion

// #region collected
/** Values read when a scrape asks: `set(labels, value)` once per label set, from counters kept elsewhere. */
export type ReadValues = (set: (labels: Labels, value: number) => void) => void;

/**
 * A counter or gauge whose values are read at scrape time, not updated per event: a counter that already exists
 * (chapter 11's `HttpProxy.counters`, chapter 10's breaker) costs the proxy nothing more, and a state (connections
 * open, a backend's health) is read when asked. client_python calls these "custom collectors", client_golang
 * `CounterFunc` / `GaugeFunc` and `Collector`s.
 */
export class Collected extends Metric<{ value: number }> {
  constructor(
    type: "counter" | "gauge",
    options: MetricOptions,
    readonly read: ReadValues,
  ) {
    super(type, options);
    if (type === "counter" && !options.name.endsWith("_total")) throw new MetricError(`counter "${options.name}": a counter's name ends in _total`);
  }

  protected newChild(): { value: number } {
    return { value: 0 };
  }

  protected childSamples(c: { value: number }, labels: readonly (readonly [string, string])[]): Sample[] {
    return [{ name: this.name, labels, value: c.value }];
  }

  override collect(): MetricFamily {
    this.clear();
    this.read((labels, value) => {
      this.labels(labels).value = value;
    });
    return super.collect();
  }
}
// #endregion

// #region registry
/** Every metric of a process (or of one balancer), by name: what one scrape of /metrics shows. */
export class Registry {
  readonly #metrics = new Map<string, Metric<unknown>>();

  counter(options: MetricOptions): Counter {
    return this.register(new Counter(options));
  }

  gauge(options: MetricOptions): Gauge {
    return this.register(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.register(new Histogram(options));
  }

  /** A counter or gauge read at scrape time (see `Collected`). */
  collect(type: "counter" | "gauge", options: MetricOptions, read: ReadValues): Collected {
    return this.register(new Collected(type, options, read));
  }

  /** Adds a metric; a name registered twice is refused (two metrics would print as one). */
  register<M extends Metric<unknown>>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new MetricError(`a metric named "${metric.name}" is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** Removes a metric by name; true if there was one. */
  unregister(name: string): boolean {
    return this.#metrics.delete(name);
  }

  get(name: string): Metric<unknown> | undefined {
    return this.#metrics.get(name);
  }

  /** Every metric now, sorted by name. */
  gather(): MetricFamily[] {
    const names = [...this.#metrics.keys()].sort();
    return names.map((n) => this.#metrics.get(n)!.collect());
  }
}
// #endregion
