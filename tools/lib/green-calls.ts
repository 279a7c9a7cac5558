// A green call whose generator is dropped, for the course check (test/course/green-calls.test.ts) and the notice
// `npm run grade`/`watch` print about a lab. `t.kill()` or `sleep(10)` written without `yield*` makes a
// generator and throws it away: nothing runs, no error, and TypeScript says nothing. Found with the type checker:
// an expression statement whose value is a Generator is a green call that never ran.
import ts from "typescript";

export interface DroppedCall {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** True for a Generator type (what every green call returns: `Green<T>` is `Generator<Suspend, T, unknown>`). */
function isGenerator(type: ts.Type): boolean {
  const name = (type.aliasSymbol ?? type.getSymbol())?.getName();
  if (name === "Generator" || name === "Green") return true;
  return type.isUnion() ? type.types.some(isGenerator) : false;
}

/** Every statement in `files` of `program` that makes a generator and drops it. */
export function droppedGreenCalls(program: ts.Program, files: (fileName: string) => boolean): DroppedCall[] {
  const checker = program.getTypeChecker();
  const found: DroppedCall[] = [];
  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || !files(sf.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression)) {
        if (isGenerator(checker.getTypeAtLocation(node.expression))) {
          const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
          found.push({ file: sf.fileName, line: line + 1, text: node.expression.getText(sf) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}
