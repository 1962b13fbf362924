import type { Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import type { Module } from "../ir/types.js";

/**
 * The one interface every pass implements, built-in or user-written (a user pass is a TypeScript
 * file type-checked against this type before it loads). A pass is a function from module to
 * module: it must not mutate its input, and it reports problems as diagnostics, never by throwing.
 */

export type OptionKind = "int" | "float" | "bool" | "string" | "enum";

/** A value an option can hold once validated. */
export type OptionValue = number | boolean | string;

export interface OptionSchema {
  kind: OptionKind;
  /** Used when the option is not given. An option with no default is required unless `optional`. */
  default?: OptionValue;
  /** Absent from the options object when not given (only meaningful without a default). */
  optional?: boolean;
  /** For `enum`: the allowed values. */
  values?: readonly string[];
  /** For `int` and `float`: the least allowed value (excluded when `minExclusive`) and the greatest. */
  min?: number;
  minExclusive?: boolean;
  max?: number;
  /** One line for `gnnc passes` and for error messages. */
  doc: string;
}

/** What a pass may use while running. Everything here is data or a pure callback. */
export interface PassContext {
  /** Debug output; the CLI shows it with `--verbose`, tests collect it. */
  log(msg: string): void;
  /** The span of this pipeline entry (from `passes = [...]` or the `--passes` string), if known. */
  readonly span?: Span;
  /** Properties established by the passes that ran before this one. */
  readonly properties: ReadonlySet<string>;
}

export interface PassResult {
  module: Module;
  /** True iff `module` differs from the input; the manager uses it for timings and printing. */
  changed: boolean;
  diagnostics: Diagnostic[];
}

export type PassStage = "forward" | "training" | "kernels" | "model";

export interface Pass<O = Record<string, unknown>> {
  /** Kebab-case, unique: `shape-inference`, `cse`, `sparsify`. */
  name: string;
  description: string;
  options: Record<string, OptionSchema>;
  /** Properties that must hold before this pass runs ("shapes-inferred", "has-backward", …). */
  requires?: string[];
  /** Properties that hold after this pass runs. */
  provides?: string[];
  /** Properties this pass may break; they must be re-established before a later pass requires them. */
  invalidates?: string[];
  /**
   * Where a train block's `passes = [...]` runs the pass in the training compile pipeline
   * (compiler/pipeline.ts); a `--passes` pipeline runs it where it is written, whatever its stage.
   *   forward (default)  on the model's functions before autodiff, so gradients follow the rewrite
   *   training           on the lowered training functions (`train_step`, `loss`, `predict`)
   *   kernels            on the GPU's functions after fusion (the reference device skips it)
   *   model              on the instantiated model before its parameters exist, because it changes
   *                      parameter shapes (`to-reversible`); applied by the frontend, and its `run`
   *                      only reports that it cannot apply to an IR module
   */
  stage?: PassStage;
  run(module: Module, ctx: PassContext, options: O): PassResult;
}

/** A pass whose option type has been erased; what registries and pipelines hold. */
export type AnyPass = Pass<any>;
