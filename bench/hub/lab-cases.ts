// The hub suite's cases on the learner's own hub (`npm run bench -- hub --lab`): the same cases as hub-cases.ts
// (cases.ts), given chapters 02–04 as written in labs/, or in the tree HUB_TARGET names (as for `npm run grade`).
import type * as Threads from "../../solutions/03-cancellation/greenthread";
import type * as Events from "../../solutions/04-primitives/event";
import type * as Queues from "../../solutions/04-primitives/queue";
import { loadLab } from "../lib/lab";
import { hubCases } from "./cases";

const { runReal, sleep, spawn } = await loadLab<typeof Threads>("03-cancellation/greenthread.ts");
const { Event } = await loadLab<typeof Events>("04-primitives/event.ts");
const { Queue } = await loadLab<typeof Queues>("04-primitives/queue.ts");

export const cases = hubCases({ runReal, sleep, spawn, Event, Queue });
