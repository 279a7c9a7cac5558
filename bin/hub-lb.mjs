#!/usr/bin/env node
// `npx hub-lb`: chapter 14's load balancer (solutions/14-capstone/cli.ts), run through tsx in this very process, so
// the signals a person or a supervisor sends (SIGHUP, SIGTERM) reach the balancer and no child is left behind.
import { register } from "tsx/esm/api";

register();
await import("../solutions/14-capstone/cli.ts");
