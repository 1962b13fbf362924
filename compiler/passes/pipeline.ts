import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import { placeholderSpan, type Span } from "../../grammar/span.js";
import { didYouMean } from "../../grammar/suggest.js";
import { PASS_CODES } from "./codes.js";
import { resolveOptions, type GivenOption } from "./options.js";
import type { AnyPass, OptionValue } from "./pass.js";
import { parsePipelineText } from "./pipeline-text.js";
import { createRegistry, type PassRegistry } from "./registry.js";

/**
 * A pipeline is an ordered list of passes with checked options. It is written either as text
 * (`"shape-inference,cse,dce"`, `"sparsify{density=0.1,method=rigl}"`) or as entries, which is
 * what the frontend produces from `passes = [...]` and what a loaded user pass comes as.
 */

export type PipelineEntry =
  | { name: string; options?: Readonly<Record<string, unknown>>; span?: Span; optionSpans?: Readonly<Record<string, Span>> }
  | { pass: AnyPass; options?: Readonly<Record<string, unknown>>; span?: Span; optionSpans?: Readonly<Record<string, Span>> };

export interface PipelineStep {
  readonly pass: AnyPass;
  /** Validated, defaults filled in. */
  readonly options: Readonly<Record<string, OptionValue>>;
  /** Where the user wrote this entry; a placeholder span when it came from code. */
  readonly span: Span;
}

export interface ParsePipelineOptions {
  /** Where names are looked up; the built-ins by default. */
  registry?: PassRegistry;
  /** The file name spans of a text pipeline carry (`--passes` for the CLI). */
  file?: string;
}

/**
 * Resolve names and check options. Reports every problem; `passes` is present only when there
 * are none. A parsed pipeline is itself valid input (its steps are `{pass, options, span}` entries).
 */
export function parsePipeline(
  input: string | readonly PipelineEntry[],
  opts: ParsePipelineOptions = {},
): { passes?: PipelineStep[]; diagnostics: Diagnostic[] } {
  const registry = opts.registry ?? createRegistry();
  const file = opts.file ?? "<pipeline>";
  const diagnostics: Diagnostic[] = [];
  const steps: PipelineStep[] = [];

  const add = (pass: AnyPass | undefined, given: GivenOption[], span: Span) => {
    if (!pass) return;
    const r = resolveOptions(pass, given, span);
    diagnostics.push(...r.diagnostics);
    steps.push({ pass, options: r.options, span });
  };

  if (typeof input === "string") {
    const text = parsePipelineText(input, file);
    diagnostics.push(...text.diagnostics);
    for (const e of text.entries) {
      const pass = lookup(registry, e.name, e.nameSpan, diagnostics);
      const given = e.options.map((o) => ({ key: o.key, value: o.value, fromText: true, keySpan: o.keySpan, valueSpan: o.valueSpan }));
      add(pass, given, e.span);
    }
  } else {
    for (const e of input) {
      const span = e.span ?? placeholderSpan(file);
      const pass = "pass" in e ? e.pass : lookup(registry, e.name, span, diagnostics);
      const given = Object.entries(e.options ?? {}).map(([key, value]) => {
        const at = e.optionSpans?.[key];
        return { key, value, keySpan: at, valueSpan: at };
      });
      add(pass, given, span);
    }
  }
  const failed = diagnostics.some((d) => d.severity === "error");
  return failed ? { diagnostics } : { passes: steps, diagnostics };
}

function lookup(registry: PassRegistry, name: string, span: Span, diagnostics: Diagnostic[]): AnyPass | undefined {
  const pass = registry.get(name);
  if (pass) return pass;
  const guess = didYouMean(name, registry.names());
  diagnostics.push(
    error(PASS_CODES.unknownPass.code, `unknown pass \`${name}\``, span, {
      help: guess ? `did you mean \`${guess}\`?` : `available passes: ${registry.names().join(", ")}`,
    }),
  );
  return undefined;
}

/** The text form of a pipeline, every option spelled out; parsing it gives the same pipeline. */
export function formatPipeline(pipeline: readonly PipelineStep[]): string {
  return pipeline
    .map((s) => {
      const opts = Object.entries(s.options).map(([k, v]) => `${k}=${formatValue(v)}`);
      return opts.length ? `${s.pass.name}{${opts.join(",")}}` : s.pass.name;
    })
    .join(",");
}

function formatValue(v: OptionValue): string {
  const s = String(v);
  return /^[^\s,{}="\\]+$/.test(s) ? s : `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
