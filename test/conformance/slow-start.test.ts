// The slow-start conformance suite (test/support/slow-start-conformance.ts) run against both of chapter 12's curves.
// Course tests, not graded: the graded tests of the lab are in test/12-elastic.test.ts.
import { slowStartConformance } from "../support/slow-start-conformance";

slowStartConformance({ name: "HAProxy's slowstart", config: { kind: "haproxy", slowstart: 10_000 }, first: 1 / 16, rampsConnections: true });
slowStartConformance({ name: "Envoy's slow start, linear", config: { kind: "envoy", window: 10_000 }, first: 0.1, rampsConnections: false });
slowStartConformance({ name: "Envoy's slow start, aggression 3", config: { kind: "envoy", window: 10_000, aggression: 3, minWeightPercent: 5 }, first: 0.05, rampsConnections: false });
