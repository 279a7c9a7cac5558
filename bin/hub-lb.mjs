#!/usr/bin/env -S node --max-semi-space-size=32
// `npx hub-lb`: chapter 14's load balancer (solutions/14-capstone/cli.ts), run through tsx in this very process, so
// the signals a person or a supervisor sends (SIGHUP, SIGTERM) reach the balancer and no child is left behind. The
// first line passes Node the flags of solutions/14-capstone/node-flags.ts (`env -S` splits them into arguments).
import { register } from "tsx/esm/api";

register();
await import("../solutions/14-capstone/cli.ts");
