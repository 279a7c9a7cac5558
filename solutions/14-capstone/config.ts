// The load balancer's config file: its schema (zod), and `parseConfig`, which reads YAML or JSON and returns either
// a config or every mistake at once, each with its line and column. Built in chapter 14 (lab task 1 is issues.ts).
//
// Design principles
//   1. One schema says everything a config may hold, with each default; the types are read off it, never written
//      twice. A field the schema does not know is a mistake (a typo must not silently mean "the default").
//   2. A config is checked whole before anything runs: a balancer never starts, or reloads, half-configured.
//   3. A mistake names its place (path, line, column) and the rule it broke, and all of them come at once.
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import type { Address } from "../05-green-sockets/socket";
import { STRATEGY_NAMES } from "../09-strategies/strategies";
import { isLoopback } from "../12-elastic/admin";
import { issuesFrom, jsonSyntaxIssue, type ConfigIssue } from "./issues";

export type { ConfigIssue } from "./issues";

/** Milliseconds: a whole number ≥ 0. */
const ms = z.number().int().min(0);
const count = (min = 1) => z.number().int().min(min);

/** "host:port", "[::1]:port"; port 0 means any free port (useful in tests). */
const address = z.string().transform((text, ctx): Address => {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) {
    ctx.addIssue({ code: "custom", message: `an address is "host:port" with a port from 0 to 65535, not ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return { host: m[1] ?? m[2]!, port };
});

const backend = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, "a backend name is 1–64 letters, digits, \".\", \"_\", \":\" or \"-\""),
  address: address.refine((a) => a.port >= 1, "a backend's port is from 1 to 65535"),
  /** HAProxy's weight, 0–256. */
  weight: z.number().int().min(0).max(256).default(1),
  /** HAProxy's maxconn for this backend (TCP listeners). */
  maxConnections: count().optional(),
});

const strategy = z.preprocess(
  (v) => (typeof v === "string" ? { name: v } : v),
  z.strictObject({
    name: z.enum(["live-weighted", ...STRATEGY_NAMES]),
    maxFails: count().optional(),
    choiceCount: count(2).optional(),
    activeRequestBias: z.number().min(0).optional(),
    decay: count().optional(),
    vnodes: count().optional(),
    boundedLoad: z.number().positive().nullable().optional(),
    tableSize: count(7).optional(),
  }),
);

const health = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("haproxy"), inter: ms.optional(), fastinter: ms.optional(), downinter: ms.optional(), rise: count().optional(), fall: count().optional(), timeout: ms.optional(), spread: z.number().min(0).max(1).optional(), path: z.string().startsWith("/").optional() }),
  z.strictObject({ kind: z.literal("envoy"), interval: ms.optional(), unhealthyInterval: ms.optional(), timeout: ms.optional(), healthyThreshold: count().optional(), unhealthyThreshold: count().optional(), jitterPercent: z.number().min(0).max(100).optional(), path: z.string().startsWith("/").optional() }),
]);

const outlier = z.strictObject({
  interval: ms.optional(),
  baseEjectionTime: ms.optional(),
  maxEjectionTime: ms.optional(),
  maxEjectionPercent: z.number().min(0).max(100).optional(),
  consecutive5xx: count().optional(),
  consecutiveGatewayFailure: count().optional(),
});

const budget = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("envoy"), budgetPercent: z.number().min(0).max(100).optional(), minRetryConcurrency: count(0).optional() }),
  z.strictObject({ kind: z.literal("finagle"), ttl: ms.optional(), minRetriesPerSec: z.number().min(0).optional(), percentCanRetry: z.number().min(0).optional() }),
]);

// #region listener-schema
const listener = z.strictObject({
  /** "tcp": chapter 12's elastic proxy (L4); "http": chapter 11's proxy following the membership (L7). */
  protocol: z.enum(["tcp", "http"]),
  listen: address,
  /** The backends, or where to discover them: exactly one of the two. */
  backends: z.array(backend).optional(),
  discovery: z.strictObject({ file: z.string().min(1), interval: count().default(1000) }).optional(),
  /** @default "live-weighted" for tcp, "round-robin" for http */
  strategy: strategy.optional(),
  health: health.nullable().default(null),
  outlier: outlier.nullable().default(null),
  retries: z
    .strictObject({ maxRetries: count(0).default(1), budget: budget.nullable().default({ kind: "envoy" }), baseInterval: ms.optional(), maxInterval: ms.optional() })
    .prefault({}),
  slowStart: z
    .discriminatedUnion("kind", [
      z.strictObject({ kind: z.literal("haproxy"), slowstart: count() }),
      z.strictObject({ kind: z.literal("envoy"), window: count(), aggression: z.number().positive().optional(), minWeightPercent: z.number().min(0).max(100).optional() }),
    ])
    .nullable()
    .default(null),
  limits: z
    .strictObject({
      /** Client connections served at once. */
      maxConnections: count().default(10_000),
      /** Requests (http) or connections (tcp) in flight to all backends: chapter 10's circuit breaker. */
      maxRequests: count().optional(),
      maxBodyBytes: count(0).optional(),
      backlog: count().default(511),
    })
    .prefault({}),
  timeouts: z
    .strictObject({
      connect: ms.default(5000),
      /** tcp: cut a connection with no byte either way for this long; null: never. */
      idle: ms.nullable().default(60_000),
      header: ms.optional(),
      keepAlive: ms.optional(),
      client: ms.optional(),
      server: ms.optional(),
      queue: ms.optional(),
    })
    .prefault({}),
});
// #endregion

export const lbConfigSchema = z
  .strictObject({
    listeners: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "a listener name is 1–32 letters, digits, \"_\" or \"-\""), listener),
    /** Chapter 12's admin API (and /metrics); null: none. Off loopback it needs a token. */
    admin: z.strictObject({ listen: address, token: z.string().min(16).optional() }).nullable().default(null),
    /** Chapter 13's metrics, in Prometheus' text format on the admin listener; null: none (so is an admin of null). */
    metrics: z.strictObject({ path: z.string().regex(/^\/[^?#\s]*$/, "a path starts with \"/\"").default("/metrics") }).nullable().prefault({}),
    /** Chapter 13's access log: one line a request (http) or connection (tcp), HAProxy's text or JSON. */
    logs: z
      .strictObject({
        /** A file to append to (relative to the config's folder), "-" for standard output; null: no access log. */
        access: z.string().min(1).nullable().default(null),
        format: z.enum(["json", "text"]).default("json"),
        /** HAProxy's `option dontlog-normal`: log only what went wrong. */
        dontLogNormal: z.boolean().default(false),
        /** Bytes of lines that may wait to be written; past them lines are dropped (and counted). */
        maxBytes: count().default(1_048_576),
      })
      .prefault({}),
    /** Milliseconds a removed backend keeps its connections before they are cut. */
    drainTimeout: ms.default(30_000),
    /** Milliseconds a graceful stop (SIGTERM) lets connections finish before it cuts them. */
    stopTimeout: ms.default(10_000),
    /**
     * Descriptors each listener accepts through (acceptors.ts): up to that many new connections a turn of the loop,
     * as HAProxy's `tune.maxaccept` (64). Read at start; a reload keeps the running value. With --workers, only
     * under SCHED_NONE (round robin: the primary accepts).
     */
    acceptors: count().max(256).default(64),
  })
  .superRefine((c, ctx) => {
    const names = Object.keys(c.listeners);
    if (names.length === 0) ctx.addIssue({ code: "custom", path: ["listeners"], message: "at least one listener is needed" });
    const taken = new Map<string, string>();
    const claim = (a: Address, who: string, path: (string | number)[]): void => {
      if (a.port === 0) return;
      const key = `${a.host}:${a.port}`;
      const other = taken.get(key);
      if (other !== undefined) ctx.addIssue({ code: "custom", path, message: `${key} is also where ${other} listens` });
      else taken.set(key, who);
    };
    for (const name of names) {
      const l = c.listeners[name]!;
      claim(l.listen, `listener "${name}"`, ["listeners", name, "listen"]);
      if ((l.backends === undefined) === (l.discovery === undefined)) {
        ctx.addIssue({ code: "custom", path: ["listeners", name], message: `a listener needs exactly one of "backends" and "discovery"` });
      }
      const seen = new Set<string>();
      l.backends?.forEach((b, i) => {
        if (seen.has(b.name)) ctx.addIssue({ code: "custom", path: ["listeners", name, "backends", i, "name"], message: `the backend name "${b.name}" is listed twice` });
        seen.add(b.name);
      });
      if (l.protocol === "http" && l.strategy?.name === "live-weighted") {
        ctx.addIssue({ code: "custom", path: ["listeners", name, "strategy"], message: `"live-weighted" is for tcp listeners; an http listener takes one of ${STRATEGY_NAMES.join(", ")}` });
      }
    }
    if (c.admin !== null) {
      claim(c.admin.listen, "the admin API", ["admin", "listen"]);
      if (!isLoopback(c.admin.listen.host) && c.admin.token === undefined) {
        ctx.addIssue({ code: "custom", path: ["admin", "listen"], message: `the admin API listens on ${c.admin.listen.host} only with a "token": only loopback is safe without one` });
      }
    }
  });

/** A checked config, with every default filled in. */
export type LbConfig = z.output<typeof lbConfigSchema>;
export type ListenerConfig = LbConfig["listeners"][string];
export type BackendConfig = NonNullable<ListenerConfig["backends"]>[number];

// #region parse-config
/** Narrow with `"errors" in r` (or `r.ok` under strictNullChecks; tslab's notebooks have none). */
export type ParseResult = { ok: true; config: LbConfig } | { ok: false; errors: ConfigIssue[] };

/**
 * Reads a config. YAML (the default) through the `yaml` package, JSON through JSON.parse; either way the schema
 * checks it whole. Syntax errors come first, all of them; the schema is checked once the text parses, and then
 * every mistake is reported, sorted by line and column.
 */
export function parseConfig(text: string, format: "yaml" | "json" = "yaml"): ParseResult {
  if (format === "json") {
    const bad = jsonSyntaxIssue(text);
    if (bad !== null) return { ok: false, errors: [bad] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { path: "", line, column: col, message: e.message.split("\n")[0]! };
      }),
    };
  }
  const checked = lbConfigSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (checked.success) return { ok: true, config: checked.data };
  return { ok: false, errors: issuesFrom(checked.error.issues, doc, lines) };
}

/** ".json" is JSON, anything else YAML. */
export const configFormatOf = (path: string): "yaml" | "json" => (path.toLowerCase().endsWith(".json") ? "json" : "yaml");

/** An issue as a compiler prints it: `lb.yaml:12:7: listeners.web.listen: …`. */
export const formatIssue = (file: string, i: ConfigIssue): string => `${file}:${i.line}:${i.column}: ${i.path === "" ? "" : `${i.path}: `}${i.message}`;
// #endregion
