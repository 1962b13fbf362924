import { keyFromSeed } from "../../compiler/ir/rng.js";
import { paramName } from "../../compiler/ir/struct-views.js";
import type { Module, ParamInfo } from "../../compiler/ir/types.js";
import type { TensorValue, Value } from "../../compiler/ir/values.js";
import { nodesById } from "../../compiler/ir/walk.js";
import type { ScheduleProgram } from "../../compiler/schedules/program.js";
import { SOUP_FUNCS } from "../../compiler/schedules/soup-names.js";
import type { SoupOptions } from "../../compiler/schedules/soup.js";
import type { TrainSpec } from "../../compiler/train/spec.js";
import type { GpuDevice } from "../gpu/index.js";
import { initParams } from "../reference/index.js";
import { openRunner } from "../runner/open.js";
import type { Runner } from "../runner/runner.js";
import type { BoundData } from "../train/bind.js";
import { measuredMetrics, type Measured } from "../train/evaluate.js";

/**
 * What every part of a soup run reads (runtime/schedules/soup*.ts): the block, its compiled
 * program, the bound data, the options; and a way to open a runner on some of the program's
 * functions with only the state they use, so that each mix is timed and measured alone.
 */
export interface SoupContext {
  spec: TrainSpec;
  module: Module;
  program: ScheduleProgram;
  data: BoundData;
  symbols: Readonly<Record<string, number>>;
  options: SoupOptions;
  /** The model's tensors (parameters and buffers), in the order of the mixes' weight rows. */
  model: readonly ParamInfo[];
  seed: number;
  gpu?: GpuDevice;
  /** What evaluations measure: the block's reports and selection metric. */
  measured: readonly Measured[];
  /** The key `predict` takes (evaluation draws nothing with it). */
  rng: Value;
}

export function soupContext(spec: TrainSpec, module: Module, program: ScheduleProgram, data: BoundData, symbols: Readonly<Record<string, number>>, options: SoupOptions, seed: number, gpu?: GpuDevice): SoupContext {
  const mix = module.funcs.find((f) => f.name === SOUP_FUNCS.mix);
  if (!mix) throw new Error(`internal: soup program \`${spec.name}\` has no \`${SOUP_FUNCS.mix}\``);
  const model = mix.resultNames.map((name) => module.params.find((p) => p.name === name)!);
  return { spec, module, program, data, symbols, options, model, seed, gpu, measured: measuredMetrics(spec), rng: { kind: "rng", key: keyFromSeed(seed) } };
}

/** The state entries (parameters) the functions `funcs` read or write. */
export function entriesOf(module: Module, funcs: readonly string[]): Set<string> {
  const names = new Set<string>();
  const declared = new Set(module.params.map((p) => p.name));
  for (const name of funcs) {
    const f = module.funcs.find((g) => g.name === name);
    if (!f) throw new Error(`internal: the soup program has no function \`${name}\``);
    for (const n of nodesById(f).values()) {
      const p = paramName(n);
      if (p !== undefined) names.add(p);
    }
    for (const r of f.resultNames) if (declared.has(r)) names.add(r);
  }
  return names;
}

/**
 * A runner on the named functions: their state entries initialised as declared (from the run's
 * seed), then `given` for those it names. Entries a function writes but `keepOut` names are left
 * out of the state, so their results are outputs read back with `read()`.
 */
export async function openPart(
  c: SoupContext,
  funcs: readonly string[],
  options: { data: Readonly<Record<string, Value>>; given?: Readonly<Record<string, TensorValue>>; symbols?: Readonly<Record<string, number>>; keepOut?: readonly string[] },
): Promise<Runner> {
  const entries = entriesOf(c.module, funcs);
  for (const k of options.keepOut ?? []) entries.delete(k);
  const params = c.module.params.filter((p) => entries.has(p.name));
  const symbols = options.symbols ?? c.symbols;
  const state = initParams({ ...c.module, params }, c.seed, symbols);
  for (const [name, v] of Object.entries(options.given ?? {})) if (entries.has(name)) state[name] = v;
  const loaded = funcs.map((name) => c.module.funcs.find((f) => f.name === name)!);
  return openRunner({ funcs: loaded, data: options.data, state, symbols }, c.gpu);
}

/** The bytes a runner held at its peak: what it holds throughout plus its most at once. */
export function peakOf(runner: Runner): number {
  const m = runner.memory();
  return m.heldBytes + m.peakBytes;
}
