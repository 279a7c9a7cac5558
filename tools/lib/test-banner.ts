// Says, before any test runs, which code the tests are checking: the reference or a lab.
import { relative } from "node:path";

export default function banner(): void {
  const target = process.env.HUB_TARGET;
  if (process.env.HUB_QUIET) return;
  if (!target) {
    console.log("Testing the reference solutions (solutions/). To test your own labs: npm run watch NN, npm run grade.");
  } else {
    console.log(`Testing ${relative(process.cwd(), target) || target}.`);
  }
}
