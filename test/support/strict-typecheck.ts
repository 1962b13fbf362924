import { resolve } from "node:path";
import { Project, ts } from "ts-morph";

/**
 * Type-checking a user's TypeScript as `tsc --strict` would, the package's names (`gnnc`,
 * `gnnc/ir`, `gnnc/passes`) resolving to this repository's sources. One project per caller: the
 * library is parsed once however many files are checked.
 */
export function strictChecker(): (files: readonly string[]) => string[] {
  const project = new Project({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: ["node"],
      paths: { gnnc: [resolve("api/index.ts")], "gnnc/ir": [resolve("compiler/api/ir.ts")], "gnnc/passes": [resolve("compiler/api/passes.ts")] },
    },
  });
  // Only the given files are checked: the library's own sources are the repository's tsc's job.
  return (files) => {
    const sources = files.map((f) => project.addSourceFileAtPath(f));
    try {
      return sources.flatMap((sf) => sf.getPreEmitDiagnostics().map((d) => `${sf.getBaseName()}:${d.getLineNumber()}: ${ts.flattenDiagnosticMessageText(d.compilerObject.messageText, " ")}`));
    } finally {
      for (const sf of sources) project.removeSourceFile(sf);
    }
  };
}
