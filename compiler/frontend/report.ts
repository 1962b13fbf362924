import type { Diagnostic, Label } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import type { FrontendCode } from "./codes.js";

export interface DiagExtra {
  labels?: Label[];
  help?: string;
}

/**
 * Thrown to stop elaborating one model after an error has been reported: continuing would only
 * produce follow-on errors about values that never got a type. Caught per train block / model.
 */
export class Abort extends Error {
  constructor() {
    super("frontend: aborted after a reported error");
  }
}

/** Collects the frontend's diagnostics; `fail` reports and aborts the current unit. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private errorCount = 0;

  error(code: FrontendCode, message: string, span: Span, extra: DiagExtra = {}): void {
    this.errorCount++;
    this.diagnostics.push(withExtra({ code, severity: "error", message, span }, extra));
  }

  warning(code: FrontendCode, message: string, span: Span, extra: DiagExtra = {}): void {
    this.diagnostics.push(withExtra({ code, severity: "warning", message, span }, extra));
  }

  /** Report an error and abort the current unit of work. */
  fail(code: FrontendCode, message: string, span: Span, extra: DiagExtra = {}): never {
    this.error(code, message, span, extra);
    throw new Abort();
  }

  add(diags: readonly Diagnostic[]): void {
    for (const d of diags) {
      if (d.severity === "error") this.errorCount++;
      this.diagnostics.push(d);
    }
  }

  get errors(): number {
    return this.errorCount;
  }
}

function withExtra(d: Diagnostic, extra: DiagExtra): Diagnostic {
  if (extra.labels && extra.labels.length > 0) d.labels = extra.labels;
  if (extra.help) d.help = extra.help;
  return d;
}

/** "did you mean `x`?" or undefined, for the `help` of a diagnostic. */
export function didYouMeanHelp(suggestion: string | undefined): string | undefined {
  return suggestion === undefined ? undefined : `did you mean \`${suggestion}\`?`;
}
