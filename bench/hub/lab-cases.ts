// The hub suite's cases on the learner's own hub (`npm run bench -- hub --lab`): the same cases as hub-cases.ts
// (cases.ts), given chapters 02–04 as written in labs/, or in the tree HUB_TARGET names (as for `npm run grade`).
// Imported when the process starts, so a lab whose file does not load fails every case with that file's error; a
// task not done yet fails only the cases that reach it, with the stub's "not implemented yet" message.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Threads from "../../solutions/03-cancellation/greenthread";
import type * as Events from "../../solutions/04-primitives/event";
import type * as Queues from "../../solutions/04-primitives/queue";
import { hubCases } from "./cases";
import { labTree } from "./lab-tree";

const load = async <M>(file: string): Promise<M> => (await import(pathToFileURL(resolve(labTree(), file)).href)) as M;

const { runReal, sleep, spawn } = await load<typeof Threads>("03-cancellation/greenthread.ts");
const { Event } = await load<typeof Events>("04-primitives/event.ts");
const { Queue } = await load<typeof Queues>("04-primitives/queue.ts");

export const cases = hubCases({ runReal, sleep, spawn, Event, Queue });
