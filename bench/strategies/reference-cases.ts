// The strategies suite's cases on the course's strategies (chapter 09): solutions/09-strategies, with ring hash also
// searching its whole ring. The cases themselves are in cases.ts, shared with lab-cases.ts.
import { mulberry32 } from "../../solutions/05-green-sockets/random";
import { buildRing, locate, RingHash } from "../../solutions/09-strategies/ring-hash";
import { makeStrategy, STRATEGY_NAMES } from "../../solutions/09-strategies/strategies";
import { hash32 } from "../../solutions/09-strategies/strategy";
import { strategyCases } from "./cases";

export const cases = strategyCases({ makeStrategy, STRATEGY_NAMES, hash32, mulberry32, rings: { buildRing, locate, RingHash } });
