import { dirname, join, resolve } from "node:path";
import { planReport, type LaunchPlan } from "../../compiler/plan/index.js";
import { printModule } from "../../compiler/ir/print.js";
import { emitTypescriptModule } from "../../compiler/typescript/emit-module.js";
import { TRAIN_STEP_FUNC } from "../../compiler/train/index.js";
import { createFolder, writeFileAtomic } from "../../runtime/checkpoint/index.js";
import { patternedInputs, planFunction } from "../../runtime/gpu/load-function.js";
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
  ir     DIR/module.ir       the lowered training module (train_step, loss, predict) as IR text; with
                            a schedule, its program: the plan, then every function
  wgsl   DIR/kernels/*.wgsl  every distinct kernel, one complete WGSL module each
  plan   DIR/plan.json       per function: kernel launches, peak bytes of values (activations apart),
                            device bytes, FLOPs and bytes moved per call (the op table's cost
                            model, loops per iteration); parameter and optimizer-state bytes;
                            distinct kernels
Sizes come from the dataset, so load("name") needs --data-dir or GNNC_DATA_DIR.`;

const EMITS = ["wgsl", "ir", "plan", "ts"];
const DEFAULT_EMITS = ["wgsl", "ir", "plan"];
const FUNCS = [TRAIN_STEP_FUNC, "predict"];

export function compile(io: Io, argv: string[]): number {
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
    // A schedule's functions all load, over its batch sizes; plain training loads the step and predict.
    const symbols = schedule ? { ...prepared.symbols, ...batchSymbols(schedule, data) } : prepared.symbols;
    const funcs = schedule ? lowered.funcs : FUNCS.map((name) => lowered.funcs.find((f) => f.name === name)!);
    // As on the GPU (runtime/gpu/load-function.ts): host values computed once, mostly-zero data compact.
    const inputs = unchangingInputs(target.spec, data);
    const patterned = patternedInputs(inputs);
    const launchPlans = new Map<string, LaunchPlan>(funcs.map((f) => [f.name, planFunction(f, { symbols, data: inputs }, patterned).launches]));
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
    io.out(`${target.spec.name}: wrote ${written.join(", ")} to ${out}\n`);
    return EXIT_OK;
  } catch (e) {
    return reportRunError(io, e, "compiling");
  }
}
