// Programs for the green-call check: the project's own, and small in-memory ones to test the check on.
import ts from "typescript";

/** The project's own program, from tsconfig.json at `root`. */
export function projectProgram(root: string): ts.Program {
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, "tsconfig.json")!;
  const config = ts.readConfigFile(configPath, ts.sys.readFile).config;
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
  return ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
}

/** A program of in-memory files (for testing the check), with the default library from disk. */
export function memoryProgram(files: Record<string, string>): ts.Program {
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], strict: true, noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) =>
    name in files ? ts.createSourceFile(name, files[name]!, version, true) : read(name, version);
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => name in files || exists(name);
  return ts.createProgram({ rootNames: Object.keys(files), options, host });
}
