import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * Transpile a source file and everything it imports at run time (relative imports; type-only
 * imports vanish in transpiling) into `outDir`, keeping the folder layout, so a child `node`
 * process can run the real code without a build. Returns the path of the entry's output.
 */
export function transpileForNode(entry: string, outDir: string): string {
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n');
  const done = new Set<string>();
  const visit = (source: string) => {
    if (done.has(source)) return;
    done.add(source);
    const js = ts.transpileModule(readFileSync(source, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: source,
    }).outputText;
    const out = join(outDir, relative(ROOT, source)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
    for (const [, spec] of js.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+)"/g)) visit(resolve(dirname(source), spec.replace(/\.js$/, ".ts")));
  };
  visit(resolve(ROOT, entry));
  return join(outDir, entry.replace(/\.ts$/, ".js"));
}
