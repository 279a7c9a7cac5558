// The access log's own counters as metrics, read at scrape time: lines written, dropped and lost. Chapter 13.
import type { Registry } from "./metrics";
import type { LogWriter } from "./log-writer";

// #region log-metrics
/**
 * Registers, in `registry`, three counters read from `writer` at each scrape, labelled `log="<name>"`: the lines
 * written, the lines dropped because the buffer was full (HAProxy's `DroppedLogs`), and the lines lost in writes
 * that failed. Call it once per registry; a second call throws (the names are taken).
 */
export function exportLogWriter(registry: Registry, writer: LogWriter, name = "access"): void {
  const labelNames = ["log"];
  registry.collect("counter", { name: "hub_log_lines_written_total", help: "Log lines written to their file or stdout.", labelNames }, (set) =>
    set({ log: name }, writer.written),
  );
  registry.collect("counter", { name: "hub_log_lines_dropped_total", help: "Log lines dropped because the log's buffer was full.", labelNames }, (set) =>
    set({ log: name }, writer.dropped),
  );
  registry.collect("counter", { name: "hub_log_lines_lost_total", help: "Log lines lost in writes that failed.", labelNames }, (set) =>
    set({ log: name }, writer.lost),
  );
}
// #endregion
