// The strategies suite's cases on a learner's own strategies (`npm run bench -- strategies --lab`): the same cases as
// reference-cases.ts (cases.ts), given chapter 09 as written in labs/, or in the tree HUB_TARGET names, with the seeded
// random numbers of that tree's chapter 05. No whole-ring search: that row is the course's, for comparison.
import type * as Random from "../../solutions/05-green-sockets/random";
import type * as Strategies from "../../solutions/09-strategies/strategies";
import type * as Strategy from "../../solutions/09-strategies/strategy";
import { loadLab } from "../lib/lab";
import { strategyCases } from "./cases";

const { makeStrategy, STRATEGY_NAMES } = await loadLab<typeof Strategies>("09-strategies/strategies.ts");
const { hash32 } = await loadLab<typeof Strategy>("09-strategies/strategy.ts");
const { mulberry32 } = await loadLab<typeof Random>("05-green-sockets/random.ts");

export const cases = strategyCases({ makeStrategy, STRATEGY_NAMES, hash32, mulberry32 });
