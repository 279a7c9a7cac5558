// bench/lib/haproxy.ts: the configurations HAProxy runs with as a peer of the proxy suites. The suites' results
// compare with HAProxy as configured here, so the text is held to what the saved runs used: a change to it is a
// change to the peer, which calls for measuring again.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { haproxyConfig, haproxySystem } from "../../bench/lib/haproxy";
import { haproxyTcp } from "../../bench/lb/driver";

describe("HAProxy as a peer", () => {
  it("mode tcp: shared global and defaults, nbthread only when given, one frontend, round robin over b1, b2…", () => {
    expect(haproxyConfig(haproxyTcp(9200, 2), [9101, 9102]).split("\n")).toEqual([
      "global",
      "  maxconn 9000",
      "  nbthread 2",
      "defaults",
      "  mode tcp",
      "  maxconn 9000",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "frontend fe",
      "  bind 127.0.0.1:9200",
      "  default_backend be",
      "backend be",
      "  balance roundrobin",
      "  server b1 127.0.0.1:9101",
      "  server b2 127.0.0.1:9102",
      "",
    ]);
    expect(haproxyConfig(haproxyTcp(9200, null), [9101])).not.toContain("nbthread");
  });

  it("a suite's global lines follow maxconn and nbthread", () => {
    const text = haproxyConfig({ listen: 1, nbthread: 1, global: ["  tune.x 1"], defaults: ["  mode http"] }, [2]);
    expect(text.split("\n").slice(0, 6)).toEqual(["global", "  maxconn 9000", "  nbthread 1", "  tune.x 1", "defaults", "  mode http"]);
  });

  it("runs in the foreground with the configuration written to the measurement's directory", () => {
    const system = haproxySystem("haproxy", haproxyTcp(9200, null));
    const dir = mkdtempSync(join(tmpdir(), "haproxy-test-"));
    try {
      expect(system.argv(dir, [9101])).toEqual(["haproxy", "-db", "-f", join(dir, "haproxy.cfg")]);
      expect(readFileSync(join(dir, "haproxy.cfg"), "utf8")).toBe(haproxyConfig(haproxyTcp(9200, null), [9101]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
