// Finds the error wording a lab's tests hold the code to (`toThrow(/re/)`, `toThrow("s")`, `toThrowError(…)`,
// `rejects.toThrow(…)`, and `toMatch(…)` on an error's message), and checks that the lab README quotes it: a learner
// should read every required word in the README, never first in a failing test.
import ts from "typescript";

export interface Wording {
  /** The `it(…)` name the assertion sits in. */
  readonly test: string;
  /** A regular expression (source and flags) or an exact string. */
  readonly pattern: { readonly regex: string; readonly flags: string } | { readonly text: string };
  /** 1-based line in the test file. */
  readonly line: number;
}

const THROWS = new Set(["toThrow", "toThrowError"]);

/** The subject names an error: `e.message`, `String(err)`, `error`, … */
const NAMES_AN_ERROR = /\b(message|error|err|e)\b|\bString\(/;

function enclosingTest(node: ts.Node, sf: ts.SourceFile): { name: string; body: string } | null {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && ["it", "test"].includes(n.expression.text)) {
      const first = n.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) return { name: first.text, body: n.getText(sf) };
    }
  }
  return null;
}

/** The argument of the `expect(…)` a matcher chain starts from. */
function subjectOf(call: ts.CallExpression): ts.Expression | null {
  let n: ts.Expression = call.expression;
  while (ts.isPropertyAccessExpression(n) || ts.isCallExpression(n)) {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "expect") return n.arguments[0] ?? null;
    n = n.expression;
  }
  return null;
}

function patternOf(arg: ts.Expression | undefined): Wording["pattern"] | null {
  if (!arg) return null;
  if (ts.isRegularExpressionLiteral(arg)) {
    const m = arg.text.match(/^\/(.*)\/([a-z]*)$/s);
    return m ? { regex: m[1], flags: m[2] } : null;
  }
  if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) return { text: arg.text };
  return null; // an error class (toThrow(RangeError)) or a computed value: no wording to quote
}

/** Strings the test file throws itself (`new Error("boom")`): wording the lab's code does not own. */
function ownMessages(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isNewExpression(n) && /Error$/.test(n.expression.getText(sf))) {
      const a = n.arguments?.[0];
      if (a && (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a))) out.push(a.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const matches = (p: Wording["pattern"], s: string): boolean => ("text" in p ? s.includes(p.text) : new RegExp(p.regex, p.flags).test(s));

/** Every error wording `source` (a test file) holds the code to, except wording the test throws itself. */
export function errorWordings(source: string, file = "test.ts"): Wording[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const own = ownMessages(sf);
  const out: Wording[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const matcher = n.expression.name.text;
      const pattern = patternOf(n.arguments[0]);
      const test = pattern && enclosingTest(n, sf);
      if (pattern && test) {
        let wanted = THROWS.has(matcher);
        if (matcher === "toMatch") {
          const subject = subjectOf(n);
          // An error's message by name, or a value the test caught and took the message of.
          wanted = !!subject && (NAMES_AN_ERROR.test(subject.getText(sf)) || (/\bcatch\s*\(/.test(test.body) && /\.message\b/.test(test.body)));
        }
        if (wanted && !own.some((m) => matches(pattern, m))) {
          out.push({ test: test.name, pattern, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1 });
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The README as a reader sees it: whitespace collapsed, code spans and emphasis unwrapped, escapes undone. */
export function readableText(markdown: string): string[] {
  const spaced = markdown.replace(/\s+/g, " ");
  const plain = spaced.replace(/`+/g, "").replace(/\*\*|__/g, "").replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, "$1");
  return [spaced, plain];
}

const shown = (p: Wording["pattern"]): string => ("text" in p ? JSON.stringify(p.text) : `/${p.regex}/${p.flags}`);

/** The wordings the README does not quote, as `NN-slug: test "…" matches /re/, which README.md does not quote`. */
export function unquoted(chapter: string, wordings: readonly Wording[], readme: string): string[] {
  const texts = readableText(readme);
  return wordings
    .filter(({ pattern }) => {
      if ("text" in pattern) return !texts.some((t) => t.includes(pattern.text));
      // A pattern anchored to the whole message (/^…$/) is looked for inside the README's sentences.
      const loose = { regex: pattern.regex.replace(/^\^/, "").replace(/(?<!\\)\$$/, ""), flags: pattern.flags };
      return !texts.some((t) => matches(pattern, t) || matches(loose, t));
    })
    .map((w) => `${chapter}: test "${w.test}" matches ${shown(w.pattern)}, which README.md does not quote`);
}
