// The conformance suite of chapter 12's slow-start curves (the SlowStart contract in slow-start.ts): one set of tests
// every curve must pass — HAProxy's and Envoy's — on its own and through the membership on the proxy. What differs
// by source (the first share, whether connection caps ramp) is stated per curve by the caller.
//
// The rules: a factor is in (0, 1] at every moment, never falls as time passes, and is 1 from the window on;
// a connection cap is between 1 and the configured cap, never falls, and is the cap from the window on; the same
// config gives the same values; and on the proxy a backend that joins gets no more than its share, then its share.
import { describe, expect, it } from "vitest";
import { sleep } from "@target/02-hub/green";
import { mulberry32 } from "@target/05-green-sockets/random";
import type { Backend } from "@target/08-tcp-proxy/balancer";
import { LiveWeighted } from "@target/12-elastic/live-weighted";
import { Membership } from "@target/12-elastic/membership";
import { makeSlowStart, type SlowStartConfig } from "@target/12-elastic/slow-start";
import { replayWith, SEED, simulate } from "./net";

export interface SlowStartSubject {
  readonly name: string;
  /** A config whose window is 10 s. */
  readonly config: SlowStartConfig;
  /** The factor right after joining, as the source defines it. */
  readonly first: number;
  /** Whether the curve ramps connection caps too (HAProxy's does, Envoy's does not). */
  readonly rampsConnections: boolean;
}

const WINDOW = 10_000;

export function slowStartConformance(s: SlowStartSubject): void {
  const replay = `seed ${SEED}; ${replayWith("test/conformance/slow-start.test.ts")(SEED)}`;
  describe(`conformance: ${s.name}`, () => {
    const curve = () => makeSlowStart(s.config);

    it("names its kind and its window", () => {
      expect(curve().kind).toBe(s.config.kind);
      expect(curve().window).toBe(WINDOW);
    });

    it(`starts at ${s.first} of the weight, as its source defines it`, () => {
      expect(curve().weightFactor(0)).toBeCloseTo(s.first, 12);
    });

    it("a factor in (0, 1] that never falls, and 1 from the window on", () => {
      const c = curve();
      const random = mulberry32(SEED);
      const times = Array.from({ length: 500 }, () => Math.floor(random() * 2 * WINDOW)).sort((a, b) => a - b);
      let before = 0;
      for (const t of times) {
        const f = c.weightFactor(t);
        expect(f > 0 && f <= 1, `${f} at ${t} ms; ${replay}`).toBe(true);
        expect(f, `falls at ${t} ms; ${replay}`).toBeGreaterThanOrEqual(before);
        if (t >= WINDOW) expect(f, `${t} ms`).toBe(1);
        before = f;
      }
    });

    it(`connection caps: ${s.rampsConnections ? "from 1 up to the cap" : "left alone"}`, () => {
      const c = curve();
      let before = 0;
      for (let t = 0; t <= 2 * WINDOW; t += 250) {
        const m = c.maxConnections(t, 50);
        expect(m >= 1 && m <= 50, `${m} at ${t} ms`).toBe(true);
        expect(m, `falls at ${t} ms`).toBeGreaterThanOrEqual(before);
        if (t >= WINDOW || !s.rampsConnections) expect(m, `${t} ms`).toBe(50);
        before = m;
      }
      if (s.rampsConnections) expect(c.maxConnections(0, 50)).toBe(1);
    });

    it("the same config gives the same values", () => {
      const [a, b] = [curve(), curve()];
      for (let t = 0; t < WINDOW; t += 777) expect(a.weightFactor(t)).toBe(b.weightFactor(t));
    });

    it("through the membership: a backend that joins gets a growing share, its whole share from the window on", () => {
      const { result } = simulate({ seed: SEED, latency: 1 }, function* () {
        const bs: Backend[] = ["old", "new"].map((name) => ({ name, address: { host: name, port: 80 } }));
        const m = new Membership({ slowStart: s.config });
        m.add(bs[0]!, { initial: true });
        const lb = new LiveWeighted([bs[0]!], (b) => m.weightNow(b));
        m.attach({ joined: (b) => lb.add(b), leaving: (b) => lb.remove(b), forgotten() {} });
        m.add(bs[1]!);
        const shares: number[] = [];
        for (let t = 0; t <= WINDOW + 1000; t += 1000) {
          let n = 0;
          for (let i = 0; i < 200; i++) if (lb.pick((b) => m.usable(b)) === bs[1]) n++;
          shares.push(n / 200);
          yield* sleep(1000);
        }
        return shares;
      });
      expect(result[0]!, "at first, well under an even share").toBeLessThan(0.3);
      for (let i = 1; i < result.length; i++) expect(result[i]! + 0.01, `second ${i}: ${result.join(", ")}`).toBeGreaterThanOrEqual(result[i - 1]!);
      expect(result[result.length - 1], "an even share after the window").toBeCloseTo(0.5, 2);
    });
  });
}
