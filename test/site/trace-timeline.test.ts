// Chapter 13's example trace and its timeline: the committed trace is the one the reference code gives today (so it
// never goes stale), it is valid Chrome trace-event JSON, and the site draws every lane, slice and arrow of it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../tools/lib/manifest";
import { initHighlighter } from "../../site/src/build/highlight";
import { createMarkdown } from "../../site/src/build/markdown";
import { readTimeline, renderTimeline } from "../../site/src/build/trace-timeline";
import { PROXY_TRACE_FILE, proxyTraceJson, traceProxy } from "../../solutions/13-observability/proxy-trace";
import type { ChromeTrace } from "../../solutions/13-observability/chrome-trace";
import { checkChromeTrace } from "../support/trace";

const committed = (): string => readFileSync(join(ROOT, PROXY_TRACE_FILE), "utf8");

describe("chapter 13's example trace", () => {
  it("is the trace the reference proxy gives today (regenerate: npx tsx solutions/13-observability/proxy-trace.ts --write)", () => {
    const { answers, tracer } = traceProxy();
    expect(answers).toEqual(["app-1: HELLO FROM A", "app-2: HELLO FROM B", "app-1: HELLO FROM C"]);
    expect(tracer.dropped).toBe(0);
    // Compared line by line, so a difference names the event.
    expect(committed().split("\n")).toEqual(proxyTraceJson(tracer.toChromeTrace()).split("\n"));
  });

  it("is valid Chrome trace-event JSON: named lanes, slices that never overlap, flows that pair up", () => {
    const trace = JSON.parse(committed()) as ChromeTrace;
    expect(checkChromeTrace(trace)).toEqual([]);
    expect(trace.otherData).toEqual({ clock: "hub", dropped: 0 });
  });

  it("is drawn with a lane per thread, a box per slice, an arrow per flow and a dot per death", () => {
    const trace = JSON.parse(committed()) as ChromeTrace;
    const t = readTimeline(trace);
    const count = (ph: string, name?: string): number =>
      trace.traceEvents.filter((e) => e.ph === ph && (name === undefined || e.name === name)).length;
    expect(t.lanes).toHaveLength(count("M", "thread_name"));
    const svg = renderTimeline(t, PROXY_TRACE_FILE);
    expect(svg.match(/<rect class="run /g)).toHaveLength(count("X"));
    expect(svg.match(/<path class="flow /g)).toHaveLength(count("f"));
    expect(svg.match(/<circle class="death /g)).toHaveLength(["returned", "threw", "killed"].reduce((n, d) => n + count("i", d), 0));
    for (const lane of t.lanes) expect(svg).toContain(`>${lane.name}</text>`);
    expect(() => readTimeline({ events: [] })).toThrow(/no "traceEvents" array/);
  });

  it("a ```trace-timeline block in a chapter becomes the figure; without a site it stays a code block", async () => {
    await initHighlighter();
    const md = createMarkdown();
    const src = "Before.\n\n```trace-timeline\nsite/src/traces/13-proxy.json\n```\n";
    const drawn = md.render(src, { renderTimeline: (p: string) => `<figure data-trace="${p}"></figure>` });
    expect(drawn).toContain(`<figure data-trace="site/src/traces/13-proxy.json"></figure>`);
    expect(md.render(src, {})).toContain("site/src/traces/13-proxy.json</");
  });
});
