import type { Diagnostic } from "../grammar/diagnostics.js";
import { formatDiagnostic } from "../grammar/format.js";
import type { Io } from "./io.js";

/** Print diagnostics (errors first within each file's order) and return the error count. */
export function reportDiagnostics(io: Io, diagnostics: readonly Diagnostic[], sources: Map<string, string>): number {
  const source = (file: string) => sources.get(file) ?? io.readFile(file);
  for (const d of diagnostics) io.err(formatDiagnostic(d, source, { color: io.color }) + "\n\n");
  return diagnostics.filter((d) => d.severity === "error").length;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
