// The hub suite's cases on the course's hub (chapter 02): solutions/02-hub and 03-cancellation for threads, sleep
// and wait, 04-primitives for Event and Queue. The cases themselves are in cases.ts, shared with lab-cases.ts.
import { runReal, sleep, spawn } from "../../solutions/03-cancellation/greenthread";
import { Event } from "../../solutions/04-primitives/event";
import { Queue } from "../../solutions/04-primitives/queue";
import { hubCases } from "./cases";

export const cases = hubCases({ runReal, sleep, spawn, Event, Queue });
