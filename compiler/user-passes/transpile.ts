import { tsMorph } from "../typescript/ts-morph.js";

/** A user pass's TypeScript as CommonJS for `sandbox.ts`, with a source map back to the `.ts` lines. */
export interface Transpiled {
  code: string;
  /** The source map (JSON), for locating errors thrown at run time. */
  map: string;
}

export function transpilePass(text: string, fileName: string): Transpiled {
  const { ts } = tsMorph();
  const out = ts.transpileModule(text, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      sourceMap: true,
      alwaysStrict: true, // writes to the frozen input module throw instead of failing silently
      esModuleInterop: false,
    },
  });
  const code = out.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, "");
  return { code, map: out.sourceMapText ?? "{}" };
}
