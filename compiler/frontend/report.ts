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
  /** Block instantiations being elaborated, innermost last (see `within`). */
  private readonly context: Label[] = [];

  error(code: FrontendCode, message: string, span: Span, extra: DiagExtra = {}): void {
    // A repeat (the same model instantiated by two train blocks) is shown once but still counts:
    // callers compare `errors` before and after to stop at what failed, whichever block it was.
    this.errorCount++;
    if (this.seen(code, message, span)) return;
    this.diagnostics.push(withExtra({ code, severity: "error", message, span }, this.withContextLabel(span, extra)));
  }

  /**
   * The same error at the same place was reported already: a block used twice, or a model shared
   * by two train blocks, is checked once per use, and its errors are told once.
   */
  private seen(code: string, message: string, span: Span): boolean {
    return this.diagnostics.some((d) => d.code === code && d.message === message && sameSpan(d.span, span));
  }

  /**
   * Run `fn` while elaborating the body of a block instantiated at `site`. An error inside the body
   * points at the block's own text, which alone does not say which use of the block is at fault
   * (`Res(33)` in another file), so the innermost instantiation site is added as a label.
   */
  within<T>(site: Label, fn: () => T): T {
    this.context.push(site);
    try {
      return fn();
    } finally {
      this.context.pop();
    }
  }

  private withContextLabel(span: Span, extra: DiagExtra): DiagExtra {
    const site = this.context[this.context.length - 1];
    if (!site || contains(site.span, span)) return extra;
    return { ...extra, labels: [...(extra.labels ?? []), site] };
  }

  warning(code: FrontendCode, message: string, span: Span, extra: DiagExtra = {}): void {
    if (this.seen(code, message, span)) return;
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

function sameSpan(a: Span, b: Span): boolean {
  return a.file === b.file && a.start.offset === b.start.offset && a.end.offset === b.end.offset;
}

function contains(outer: Span, inner: Span): boolean {
  return outer.file === inner.file && outer.start.offset <= inner.start.offset && inner.end.offset <= outer.end.offset;
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
