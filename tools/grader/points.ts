// Points live in test names, "… (2 pts)", so a learner sees them next to each behaviour.
const POINTS = /\((\d+) pts?\)\s*$/;

/** The points written at the end of a test's name, or null if it has none. */
export function pointsOf(name: string): number | null {
  const m = name.match(POINTS);
  return m ? Number(m[1]) : null;
}

/** The task number of a test from its describe block, "task 2: …", or null. */
export function taskOf(fullName: string): number | null {
  const m = fullName.match(/(?:^|> )task (\d+)\b/i);
  return m ? Number(m[1]) : null;
}
