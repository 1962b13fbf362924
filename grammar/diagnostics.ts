import type { Span } from "./span.js";

export type Severity = "error" | "warning" | "note";

/** A secondary location that explains the primary one ("declared here", "this is f32[N,16]"). */
export interface Label {
  span: Span;
  message: string;
}

/**
 * Every problem gnnc reports, from any stage, is one of these: data, not an exception.
 * Code ranges: E0xx lexical, E1xx syntax, E2xx names and imports, E3xx types and shapes,
 * E4xx layer/function arguments, E5xx train blocks, E6xx passes, E7xx data, E8xx devices and kernels.
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span: Span;
  labels?: Label[];
  /** One hint, e.g. "did you mean `GCNConv`?". */
  help?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

export function error(code: string, message: string, span: Span, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { code, severity: "error", message, span, ...extra };
}
