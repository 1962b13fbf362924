import { error, hasErrors, type Diagnostic } from "../../grammar/diagnostics.js";
import { didYouMean } from "../../grammar/suggest.js";
import { printModule } from "../ir/print.js";
import { placeholderSpan, type Span } from "../../grammar/span.js";
import type { Module } from "../ir/types.js";
import { verifyModule, type VerifyProblem } from "../ir/verify.js";
import { PASS_CODES } from "./codes.js";
import type { PassContext, PassResult } from "./pass.js";
import { parsePipeline, type PipelineEntry, type PipelineStep } from "./pipeline.js";
import { createRegistry, providersOf, type PassRegistry } from "./registry.js";

export interface RunPipelineOptions {
  /** Verify the input and the output of every pass (default true). A failure is an internal error naming the pass. */
  verify?: boolean;
  /** Print the IR after these passes (by name), or after every pass. */
  printIrAfter?: readonly string[] | "all";
  onPrint?(passName: string, text: string): void;
  /** Also measure verification time per pass (`verifyMs`); pass time is always measured. */
  timing?: boolean;
  /** Where pipeline names are looked up; the built-ins by default. */
  registry?: PassRegistry;
  /** Properties the input module already has. */
  properties?: readonly string[];
  /** Receives the passes' `ctx.log` output, with the name of the pass that logged it. */
  log?(msg: string, pass: string): void;
}

export interface PassTiming {
  pass: string;
  ms: number;
  changed: boolean;
  verifyMs?: number;
}

export interface PipelineResult {
  /** The output of the last pass that succeeded (the input when none ran). */
  module: Module;
  diagnostics: Diagnostic[];
  timings: PassTiming[];
  /** Properties that hold for `module`. */
  properties: string[];
}

/**
 * Run a pipeline. Problems come back as diagnostics, never exceptions: unknown passes and bad
 * options, passes ordered before what they require (checked before anything runs), a pass that
 * throws, returns garbage or produces IR the verifier rejects (internal errors naming the pass).
 * Stops at the first pass that reports an error.
 */
export function runPipeline(
  module: Module,
  pipeline: string | readonly PipelineEntry[],
  opts: RunPipelineOptions = {},
): PipelineResult {
  const registry = opts.registry ?? createRegistry();
  const verify = opts.verify ?? true;
  const parsed = parsePipeline(pipeline, { registry });
  const diagnostics = [...parsed.diagnostics];
  const initial = [...(opts.properties ?? [])];
  const done = (m: Module, props: Iterable<string>, timings: PassTiming[] = []): PipelineResult => ({
    module: m,
    diagnostics,
    timings,
    properties: [...props].sort(),
  });
  if (!parsed.passes) return done(module, initial);
  const steps = parsed.passes;

  diagnostics.push(...checkRequirements(steps, initial, registry));
  diagnostics.push(...checkPrintTargets(steps, opts.printIrAfter));
  if (hasErrors(diagnostics)) return done(module, initial);

  if (verify) {
    const problems = verifySafely(module);
    if (problems.length) {
      diagnostics.push(internalInvalid(PASS_CODES.invalidInput.code, "the module given to the pipeline fails verification", problems, steps[0]?.span ?? module.span));
      return done(module, initial);
    }
  }

  const properties = new Set(initial);
  const timings: PassTiming[] = [];
  let current = module;
  for (const step of steps) {
    const outcome = runStep(step, current, properties, opts, verify);
    if (outcome.timing) timings.push(outcome.timing);
    diagnostics.push(...outcome.diagnostics);
    if (!outcome.module) return done(current, properties, timings);
    for (const p of step.pass.invalidates ?? []) properties.delete(p);
    for (const p of step.pass.provides ?? []) properties.add(p);
    current = outcome.module;
  }
  return done(current, properties, timings);
}

interface StepOutcome {
  /** The pass's output, absent when the pipeline must stop here. */
  module?: Module;
  timing?: PassTiming;
  diagnostics: Diagnostic[];
}

/** Run one pass, guarding against every way a pass can fail, then print and verify its output. */
function runStep(step: PipelineStep, input: Module, properties: ReadonlySet<string>, opts: RunPipelineOptions, verify: boolean): StepOutcome {
  const name = step.pass.name;
  const log = opts.log;
  const ctx: PassContext = { log: log ? (msg) => log(msg, name) : () => {}, span: step.span, properties: new Set(properties) };
  const start = performance.now();
  let result: PassResult;
  try {
    result = step.pass.run(input, ctx, step.options);
  } catch (e) {
    const message = `internal error: pass \`${name}\` crashed: ${e instanceof Error ? e.message : String(e)}`;
    return { diagnostics: [error(PASS_CODES.passThrew.code, message, step.span, { help: "this is a bug in the pass, not in your model" })] };
  }
  const ms = performance.now() - start;
  if (!isPassResult(result)) {
    const message = `internal error: pass \`${name}\` returned something that is not { module, changed, diagnostics }`;
    return { diagnostics: [error(PASS_CODES.badPassResult.code, message, step.span)] };
  }
  const timing: PassTiming = { pass: name, ms, changed: result.changed };
  if (hasErrors(result.diagnostics)) return { timing, diagnostics: result.diagnostics };

  // Printed before verifying, so that the output of a broken pass can be looked at.
  if (opts.onPrint && wantsPrint(opts.printIrAfter, name)) {
    const text = printSafely(result.module);
    if (text !== undefined) opts.onPrint(name, text);
  }
  if (verify) {
    const vStart = performance.now();
    const problems = verifySafely(result.module);
    if (opts.timing) timing.verifyMs = performance.now() - vStart;
    if (problems.length) {
      const failure = internalInvalid(PASS_CODES.invalidOutput.code, `pass \`${name}\` produced invalid IR`, problems, step.span);
      return { timing, diagnostics: [...result.diagnostics, failure] };
    }
  }
  return { module: result.module, timing, diagnostics: result.diagnostics };
}

/** The verifier expects well-formed objects; output so broken that it throws is invalid too. */
function verifySafely(module: Module): VerifyProblem[] {
  try {
    return verifyModule(module);
  } catch (e) {
    return [{ message: `the module is malformed (${e instanceof Error ? e.message : String(e)})` }];
  }
}

function printSafely(module: Module): string | undefined {
  try {
    return printModule(module);
  } catch {
    return undefined; // the verifier reports what is wrong with it
  }
}

/** Simulate the pipeline's properties and report every pass that runs before what it requires. */
function checkRequirements(steps: readonly PipelineStep[], initial: readonly string[], registry: PassRegistry): Diagnostic[] {
  const out: Diagnostic[] = [];
  const have = new Set(initial);
  steps.forEach((step, i) => {
    for (const req of step.pass.requires ?? []) {
      if (have.has(req)) continue;
      const later = steps.slice(i + 1).find((s) => s.pass.provides?.includes(req));
      const providers = providersOf(registry, req).map((p) => `\`${p.name}\``);
      const help = later
        ? `\`${later.pass.name}\` provides it but runs after \`${step.pass.name}\`; move it earlier`
        : providers.length
          ? `run ${providers.join(" or ")} before \`${step.pass.name}\``
          : `no known pass provides \`${req}\``;
      const labels = later ? [{ span: later.span, message: `\`${req}\` is provided here, too late` }] : undefined;
      out.push(
        error(PASS_CODES.unmetRequirement.code, `pass \`${step.pass.name}\` requires \`${req}\`, which no earlier pass provides`, step.span, {
          help,
          ...(labels ? { labels } : {}),
        }),
      );
    }
    for (const p of step.pass.invalidates ?? []) have.delete(p);
    for (const p of step.pass.provides ?? []) have.add(p);
  });
  return out;
}

/** A warning for print targets that match nothing, which would otherwise print silently nothing. */
function checkPrintTargets(steps: readonly PipelineStep[], targets: RunPipelineOptions["printIrAfter"]): Diagnostic[] {
  if (targets === undefined || targets === "all") return [];
  const names = [...new Set(steps.map((s) => s.pass.name))];
  return targets
    .filter((t) => !names.includes(t))
    .map((t) => {
      const guess = didYouMean(t, names);
      return {
        code: PASS_CODES.unknownPrintTarget.code,
        severity: "warning" as const,
        message: `print-ir-after: \`${t}\` is not a pass of this pipeline (${names.join(", ") || "empty"}), so nothing is printed for it`,
        span: steps[0]?.span ?? placeholderSpan(),
        ...(guess ? { help: `did you mean \`${guess}\`?` } : {}),
      };
    });
}

function wantsPrint(targets: RunPipelineOptions["printIrAfter"], name: string): boolean {
  return targets === "all" || (targets !== undefined && targets.includes(name));
}

/**
 * One internal error for a verifier failure, at the pipeline entry of the pass to blame; every
 * problem that has a source location becomes a label there.
 */
function internalInvalid(code: string, what: string, problems: VerifyProblem[], span: Span | undefined): Diagnostic {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : "";
  const labels = problems.flatMap((p) => (p.span ? [{ span: p.span, message: p.message }] : []));
  return error(code, `internal error: ${what}: ${problems[0].message}${more}`, span ?? problems.find((p) => p.span)?.span ?? placeholderSpan(), {
    ...(labels.length ? { labels } : {}),
    help: "this is a bug in the compiler or the pass, not in your model; please report it with the .gnn file",
  });
}

function isPassResult(x: unknown): x is PassResult {
  if (typeof x !== "object" || x === null) return false;
  const r = x as Partial<PassResult>;
  return (
    typeof r.module === "object" && r.module !== null && Array.isArray(r.module.funcs) && typeof r.changed === "boolean" && Array.isArray(r.diagnostics)
  );
}
