// Chapter 01 demo: `npm run lab 01`. Tea three ways, then generators, then a scheduler of generators.
import { done, step } from "../00-common/demo";
import { countdown, runningTotal, sequence } from "./generators";
import { Scheduler, type Task } from "./scheduler";
import { teaWithAsync, teaWithCallbacks, teaWithPromises } from "./styles";

const log = (line: string): void => console.log(`   ${line}`);

await step("Tea with callbacks, then promises, then async/await", async () => {
  await new Promise<void>((resolve) => teaWithCallbacks(log, resolve));
  await teaWithPromises(log);
  await teaWithAsync(log);
});

await step("Task 1: countdown(3), pulled one value at a time", () => {
  const g = countdown(3);
  for (let r = g.next(); ; r = g.next()) {
    log(`next() → ${JSON.stringify(r)}`);
    if (r.done) break;
  }
});

await step("Task 2: runningTotal(), a generator we talk to", () => {
  const t = runningTotal();
  t.next();
  for (const x of [5, 2, 10]) log(`send ${x} → total ${t.next(x).value}`);
});

await step("Task 3: sequence(countdown-like parts) with yield*", () => {
  function* part(label: string, n: number): Generator<string, number, unknown> {
    for (let i = 1; i <= n; i++) yield `${label}${i}`;
    return n;
  }
  const g = sequence([part("a", 2), part("b", 3)]);
  const seen: string[] = [];
  let r = g.next();
  while (!r.done) {
    seen.push(r.value);
    r = g.next();
  }
  log(`yields ${seen.join(" ")}; returns ${r.value}`);
});

await step("Task 4: three tasks on a round-robin scheduler", () => {
  function* worker(name: string, steps: number): Task {
    for (let i = 1; i <= steps; i++) {
      log(`${name} does step ${i}`);
      yield; // give the others a turn
    }
    return `${name} finished`;
  }
  const s = new Scheduler();
  s.spawn("A", worker("A", 3));
  s.spawn("B", worker("B", 1));
  s.spawn("C", worker("C", 2));
  s.run();
  log(`trace: ${s.trace.join(" ")}`);
  log(`results: ${[...s.results.values()].join(", ")}`);
});

done();
