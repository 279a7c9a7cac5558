import { simulate } from "./labs/09-strategies/sim";
try { console.log(simulate({ seed: 1, servers: 1, load: 0.5, strategy: "round-robin", duration: 100 })); } catch (e) { console.log("threw", String(e)); }
