import { fileURLToPath } from "node:url";
import type { Diagnostic as TsDiagnostic, Project } from "ts-morph";
import type { Diagnostic } from "../../grammar/diagnostics.js";
import { error } from "../../grammar/diagnostics.js";
import type { Pos, Span } from "../../grammar/span.js";
import { PASS_CODES } from "../passes/codes.js";
import { tsMorph } from "../typescript/ts-morph.js";

/**
 * Type-checking a user pass against the published API before it loads: the file is checked as
 * a strict ES module in which `gnnc/ir` and `gnnc/passes` resolve to gnnc's own declarations —
 * the TypeScript sources when gnnc runs from source, the emitted `.d.ts` files when installed.
 * One project is kept per process, so the API is parsed once however many passes load.
 */

/** The module names a pass imports, and the file each resolves to (without extension). */
export const API_MODULES: Readonly<Record<string, string>> = {
  "gnnc/ir": "../api/ir",
  "gnnc/passes": "../api/passes",
};

function apiFile(relative: string): string {
  // This file is `typecheck.ts` under vitest and `typecheck.js` (beside `.d.ts` files) when built.
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".d.ts";
  return fileURLToPath(new URL(relative + ext, import.meta.url));
}

let project: Project | undefined;

function sharedProject(): Project {
  const { Project, ts } = tsMorph();
  project ??= new Project({
    compilerOptions: {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      noEmit: true,
      types: [],
      paths: Object.fromEntries(Object.entries(API_MODULES).map(([name, rel]) => [name, [apiFile(rel)]])),
    },
    skipAddingFilesFromTsConfig: true,
  });
  return project;
}

/** Every type error of the pass's file, as diagnostics located in that file. */
export function typecheckPass(text: string, path: string): Diagnostic[] {
  const p = sharedProject();
  // Checked under a name of its own: the real path may not end in .ts, and must not clash with an earlier version.
  const name = path.endsWith(".ts") ? path : `${path}.ts`;
  const existing = p.getSourceFile(name);
  if (existing) p.removeSourceFile(existing);
  const file = p.createSourceFile(name, text, { overwrite: true });
  try {
    return file.getPreEmitDiagnostics().map((d) => toDiagnostic(d, text, path));
  } finally {
    p.removeSourceFile(file);
  }
}

function toDiagnostic(d: TsDiagnostic, text: string, path: string): Diagnostic {
  const raw = d.compilerObject;
  const message = tsMorph().ts.flattenDiagnosticMessageText(raw.messageText, "\n  ");
  const start = raw.start ?? 0;
  const span = spanIn(text, path, start, start + Math.max(1, raw.length ?? 1));
  // TypeScript numbers its syntax errors below 2000.
  if (raw.code < 2000) return error(PASS_CODES.userPassSyntax.code, `user pass: syntax error: ${message} (TS${raw.code})`, span);
  return error(PASS_CODES.userPassTypeError.code, `user pass: ${message} (TS${raw.code})`, span, {
    help: "a user pass's default export is a `Pass` from \"gnnc/passes\"; see docs/writing-passes.md",
  });
}

/** The span of offsets [from, to) of `text`, a file named `path`. */
export function spanIn(text: string, path: string, from: number, to: number): Span {
  return { file: path, start: posAt(text, from), end: posAt(text, Math.min(Math.max(to, from), text.length)) };
}

function posAt(text: string, offset: number): Pos {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}
