import { dirname, join, resolve } from "node:path";
import { planReport, type LaunchPlan } from "../../compiler/plan/index.js";
import { printModule } from "../../compiler/ir/print.js";
import type { Module } from "../../compiler/ir/types.js";
import { emitTypescriptModule } from "../../compiler/typescript/emit-module.js";
import { runFuncs, stepPlanOf, TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { createFolder, writeFileAtomic } from "../../runtime/checkpoint/index.js";
import { patternedInputs, planFunction } from "../../runtime/gpu/load-function.js";
import { bindingCap, bindingLimitsOf, defaultBackends, findAdapter, NoAdapterError } from "../../runtime/gpu/index.js";
import { DEFAULT_BINDING_LIMITS, type BindingLimits } from "../../compiler/plan/binding-split.js";
import { printScheduleProgram } from "../../compiler/schedules/print.js";
import { batchSymbols } from "../../runtime/schedules/batches.js";
import { prepareTraining } from "../../runtime/train/run.js";
import { unchangingInputs } from "../../runtime/train/step-inputs.js";
import { parseCommandArgs } from "../args.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";
import { dataDirs } from "../load.js";
import { reportDiagnostics } from "../report.js";
import { loadTrainTarget, reportRunError, userPassLog } from "./training.js";

export const compileHelp = `gnnc compile FILE --out DIR [--emit wgsl,ir,plan,ts] [--run NAME] [--data-dir DIR]

Compile a train block for the GPU without running it, and write what was made:
  ir     DIR/module.ir       the lowered training module (train_step, loss, predict,
                            predict_and_step, and the functions of its step plan) as IR
                            text; with a schedule, its program: the plan, then every function
  wgsl   DIR/kernels/*.wgsl  every distinct kernel, one complete WGSL module each
  plan   DIR/plan.json       per function: kernel launches, peak bytes of values (activations apart),
                            device bytes, FLOPs and bytes moved per call (the op table's cost
                            model, loops per iteration); parameter and optimizer-state bytes;
                            distinct kernels
Kernels and launches are planned for the limits of the GPU adapter gnnc train would use (the
storage buffers a kernel may bind decide which launches merge), or WebGPU's defaults without one.
Sizes come from the dataset, so load("name") needs --data-dir or GNNC_DATA_DIR.`;

const EMITS = ["wgsl", "ir", "plan", "ts"];
const DEFAULT_EMITS = ["wgsl", "ir", "plan"];

export async function compile(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("compile", argv, {
    out: { type: "string" },
    emit: { type: "string" },
    run: { type: "string" },
    "data-dir": { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("gnnc compile: expected exactly one FILE");
  const out = values.out as string | undefined;
  if (out === undefined) throw new UsageError("gnnc compile: --out DIR is required");
  const emit = ((values.emit as string | undefined) ?? DEFAULT_EMITS.join(",")).split(",").map((e) => e.trim());
  const unknown = emit.filter((e) => !EMITS.includes(e));
  if (unknown.length) throw new UsageError(`gnnc compile: --emit takes ${EMITS.join(", ")}; got \`${unknown.join(", ")}\``);

  const file = positionals[0];
  const dirs = dataDirs(io, values["data-dir"] as string | undefined);
  const target = loadTrainTarget(io, "compile", file, dirs, values.run as string | undefined);
  if (!target) return EXIT_ERRORS;
  // The typed module wraps one training step and predict; a schedule's host plan has no such surface.
  if (emit.includes("ts") && target.spec.schedule) throw new UsageError(`gnnc compile: --emit ts writes a module for epoch training; \`${target.spec.name}\` follows a schedule (\`${target.spec.schedule.name}\`)`);
  try {
    const prepared = prepareTraining(target.spec, target.module, { data: { dataDir: dirs, env: io.env, baseDir: dirname(resolve(file)) }, target: "gpu", onPassLog: userPassLog(io, target.spec) });
    if ("diagnostics" in prepared) {
      reportDiagnostics(io, prepared.diagnostics, target.sources);
      return EXIT_ERRORS;
    }
    const { lowered, data, schedule } = prepared;
    // Every function a run loads: a schedule's all, over its batch sizes; plain training its step
    // plan's (compiler/ir/step-plan.ts) and predict.
    const symbols = schedule ? { ...prepared.symbols, ...batchSymbols(schedule, data) } : prepared.symbols;
    const funcs = schedule ? lowered.funcs : planned(lowered).map((name) => lowered.funcs.find((f) => f.name === name)!);
    // As on the GPU (runtime/gpu/load-function.ts): host values computed once, mostly-zero data compact.
    const inputs = unchangingInputs(target.spec, data);
    const patterned = patternedInputs(inputs);
    const planFor = await planningLimits(io.env);
    const launchPlans = new Map<string, LaunchPlan>(funcs.map((f) => [f.name, planFunction(f, { symbols, data: inputs, limits: planFor.limits }, patterned).launches]));
    createFolder(out);
    const written: string[] = [];
    if (emit.includes("ir")) {
      writeFileAtomic(join(out, "module.ir"), schedule ? printScheduleProgram(schedule, lowered) : printModule(lowered));
      written.push("module.ir");
    }
    if (emit.includes("wgsl")) {
      const dir = join(out, "kernels");
      createFolder(dir);
      const seen = new Map<string, string>();
      for (const s of launchPlans.values()) {
        for (const k of s.kernels) {
          if (seen.has(k.wgsl)) continue;
          let name = k.name;
          for (let i = 2; [...seen.values()].includes(name); i++) name = `${k.name}_${i}`;
          seen.set(k.wgsl, name);
          writeFileAtomic(join(dir, `${name}.wgsl`), k.wgsl);
        }
      }
      written.push(`kernels/ (${seen.size} kernels)`);
    }
    if (emit.includes("ts")) {
      const source = io.readFile(file)!;
      writeFileAtomic(join(out, `${target.spec.name}.ts`), emitTypescriptModule({ source, file, spec: target.spec, lowered, symbols }));
      written.push(`${target.spec.name}.ts`);
    }
    if (emit.includes("plan")) {
      writeFileAtomic(join(out, "plan.json"), JSON.stringify(planReport(lowered, launchPlans, symbols), null, 2) + "\n");
      written.push("plan.json");
    }
    io.out(`${target.spec.name}: wrote ${written.join(", ")} to ${out} (planned for ${planFor.on}: ${planFor.limits.maxStorageBindings} storage buffers a kernel)\n`);
    return EXIT_OK;
  } catch (e) {
    return reportRunError(io, e, "compiling");
  }
}

/**
 * The binding limits to plan for: those of the adapter `gnnc train` would run on (merged launches
 * and split bindings depend on them: lavapipe has 16 storage buffers a kernel, WebGPU's default is
 * 8), else, with no adapter, WebGPU's defaults.
 */
async function planningLimits(env: Readonly<Record<string, string | undefined>>): Promise<{ limits: BindingLimits; on: string }> {
  try {
    const { summary } = await findAdapter({ backends: defaultBackends(env) });
    return { limits: bindingLimitsOf(summary.limits, bindingCap(env)), on: summary.description || summary.device };
  } catch (e) {
    if (e instanceof NoAdapterError) return { limits: DEFAULT_BINDING_LIMITS, on: "WebGPU's default limits (no adapter)" };
    throw e;
  }
}

/** The functions a plain training run loads: its step plan's, the step, predict, and both as one where the module has it. */
function planned(lowered: Module): string[] {
  const plan = stepPlanOf(lowered);
  return runFuncs(lowered, [...plan.init, TRAIN_STEP_FUNC, ...plan.rules.map((r) => r.func)]);
}
