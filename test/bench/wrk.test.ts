// The benchmarks' wrk parser (bench/lib/wrk.ts), on wrk 4.2's report: the figures the io and lb suites record.
import { describe, expect, it } from "vitest";
import { parseWrk, wrkMs, wrkVersionOf } from "../../bench/lib/wrk";

const REPORT = `Running 5s test @ http://127.0.0.1:8080/
  1 threads and 256 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.10ms    1.02ms  40.11ms   91.20%
    Req/Sec    62.51k     3.11k   66.80k    84.00%
  Latency Distribution
     50%    3.95ms
     75%    4.31ms
     90%    4.85ms
     99%  812.00us
  311021 requests in 5.00s, 27.59MB read
  Socket errors: connect 0, read 12, write 0, timeout 0
  Non-2xx or 3xx responses: 3
Requests/sec:  62203.41
Transfer/sec:      5.52MB
`;

describe("wrk's report", () => {
  it("gives requests/s, the request count, p50 and p99 in ms, and the error lines", () => {
    expect(parseWrk(REPORT)).toEqual({
      rps: 62203.41,
      requests: 311021,
      p50: 3.95,
      p99: 0.812,
      errors: "Socket errors: connect 0, read 12, write 0, timeout 0; Non-2xx or 3xx responses: 3",
    });
  });

  it("reads every unit wrk prints, and nothing else", () => {
    expect([wrkMs("812.00us"), wrkMs("1.25ms"), wrkMs("2.00s"), wrkMs("1.00m")]).toEqual([0.812, 1.25, 2000, 60_000]);
    expect(wrkMs("3 ms")).toBeNaN();
  });

  it("takes a run that got no response as 0 requests/s, without latencies", () => {
    const none = "Running 5s test @ http://127.0.0.1:9500/\n  1 threads and 5000 connections\n  0 requests in 5.04s, 0.00B read\nRequests/sec:      0.00\nTransfer/sec:       0.00B\n";
    const r = parseWrk(none);
    expect([r.rps, r.requests, r.errors]).toEqual([0, 0, "no response in the whole run"]);
    expect(r.p50).toBeNaN();
    expect(r.p99).toBeNaN();
  });

  it("fails with wrk's last words when the report holds no figures", () => {
    expect(() => parseWrk("unable to connect to 127.0.0.1:8080 Connection refused\n")).toThrow(/wrk printed no figures: unable to connect/);
  });
});

describe("wrk's version, as a result records it", () => {
  it("is the first line of `wrk -v` without the build details in brackets; nothing when wrk printed nothing", () => {
    expect(wrkVersionOf("wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer\nUsage: wrk <options> <url>\n")).toBe("wrk debian/4.1.0-3+b2");
    expect(wrkVersionOf("")).toBe("");
  });
});
