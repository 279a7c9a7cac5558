// Instructor-only tests for lab 13-observability: edge cases the public tests leave out. Graded by the instructor's
// grader and the Gradescope autograder; never handed out with the student edition.
import { describe, expect, it } from "vitest";
// --- imports: metrics (tasks 1–3)

// --- imports: logs (tasks 4–5)
// Access logs (tasks 4–5): names prefixed or namespaced so the other parts' imports stay free.
import * as logGreen from "@target/03-cancellation/greenthread";
import * as accessLog from "@target/13-observability/access-log";
import * as logWriter from "@target/13-observability/log-writer";
import * as logSupport from "../support/access-log";
import * as logNet from "../support/net";

// --- imports: tracing (task 6)

// --- end imports

// --- tests: metrics (tasks 1–3)

// --- tests: logs (tasks 4–5)
describe("task 4: access log lines", () => {
  it("dontLogNormal leaves out normal records only: a retry, a 5xx or an abnormal end is still logged; an unknown format is refused (1 pts)", () => {
    const { EPOCH, httpRecord, tcpRecord } = logSupport;
    const sink = logSupport.memorySink();
    const log = accessLog.accessLogger(sink, { format: "json", epoch: EPOCH, dontLogNormal: true });
    const records = [
      httpRecord(),
      httpRecord({ retries: 1 }),
      httpRecord({ status: 503, termination: "SC" }),
      httpRecord({ status: 502 }),
      httpRecord({ status: 404 }),
      tcpRecord(),
      tcpRecord({ termination: "CD" }),
    ];
    for (const r of records) log(r);
    const kept = sink.lines.map((l) => JSON.parse(l) as { retries: number; status: number | null; termination: string });
    expect(kept.map((r) => `${r.retries} ${r.status} ${r.termination}`), "retries, status, termination of the lines kept").toEqual([
      "1 200 --",
      "0 503 SC",
      "0 502 --",
      "0 null CD",
    ]);
    expect(() => accessLog.accessLogger(sink, { format: "xml" as accessLog.LogFormat, epoch: EPOCH })).toThrow('unknown log format "xml"');
  });

  it("the proxy's own refusals: a head too slow is 408 with cR, a malformed one 400 with PR, both <BADREQ> and <NOSRV>; a connection without a request leaves no line (1 pts)", () => {
    const sink = logSupport.memorySink();
    logNet.simulate({ seed: logNet.SEED, latency: 1 }, function* (net) {
      const ok = { name: "ok", address: { host: "ok", port: 80 } };
      yield* logSupport.slowBackend(net, ok, 5);
      const proxy = yield* logSupport.loggedHttpProxy(net, [ok], sink, { limits: { headerTimeout: 1_000 } });
      yield* logSupport.ask(net, "GET / HTTP/1.1\r\nHost: l"); // and nothing more
      yield* logSupport.ask(net, "NOT HTTP AT ALL\r\n\r\n");
      const idle = yield* net.host("client").connect(logSupport.LB);
      yield* logGreen.sleep(10);
      idle.close();
      yield* logGreen.sleep(100);
      yield* proxy.shutdown(0);
    });
    expect(sink.lines.length, `two lines:\n${sink.lines.join("\n")}`).toBe(2);
    const [slow, bad] = sink.lines.map((l) => logSupport.fieldsOf(l, logSupport.HTTP_LINE));
    expect([slow.status, slow.termination, slow.server, slow.request, slow.timers], sink.lines[0]).toEqual(["408", "cR", "<NOSRV>", "<BADREQ>", "-1/-1/-1/-1/" + slow.timers.split("/")[4]]);
    expect(Number(slow.timers.split("/")[4]), "Tt covers the header timeout").toBeGreaterThanOrEqual(1_000);
    expect([bad.status, bad.termination, bad.server, bad.request], sink.lines[1]).toEqual(["400", "PR", "<NOSRV>", "<BADREQ>"]);
    expect(Number(bad.bytes), "the refusal's bytes are counted").toBeGreaterThan(0);
  });
});

describe("task 5: a log that never blocks the hub", () => {
  it("a LogWriter counts the lines of a failed write as lost, keeps the error in lastError, and goes on with the next batch in order (1 pts)", async () => {
    const got: string[] = [];
    let calls = 0;
    const flaky: logWriter.LogSink = {
      write(data, done) {
        calls++;
        if (calls === 1) return setImmediate(() => done(new Error("disk full")));
        got.push(data);
        setImmediate(() => done(null));
      },
      reopen: (done) => done(null),
      close: (done) => done(null),
    };
    const w = new logWriter.LogWriter({ sink: flaky, maxBytes: 100 });
    expect(w.write("a")).toBe(true); // goes alone, and fails
    expect([w.write("b"), w.write("c")]).toEqual([true, true]);
    await w.flush();
    expect([w.lost, w.written, w.dropped]).toEqual([1, 2, 0]);
    expect(w.lastError?.message).toBe("disk full");
    expect(got).toEqual(["b\nc\n"]);
    w.write("d");
    await w.close();
    expect(got).toEqual(["b\nc\n", "d\n"]);
    expect(w.write("e")).toBe(false);
    expect(w.dropped).toBe(1);
  });
});


// --- tests: tracing (task 6)

// --- end tests
