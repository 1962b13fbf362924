import type { OptimizerGroup, OptimizerOptions, OptimizerSpec } from "./spec.js";

/** The learning-rate input every parameter outside a group with its own `lr` reads. */
export const LR_INPUT = "lr";
/** The 1-based step count input (Adam's bias correction, SGD's first-step buffer). */
export const STEP_INPUT = "t";

/** A learning-rate input of `train_step` and the rate it starts from (the schedule scales from there). */
export interface LrInput {
  name: string;
  baseLr: number;
}

/** True when `member` owns the parameter `param` (`conv1` owns `conv1.lin.weight`, not `conv10.bias`). */
function owns(member: string, param: string): boolean {
  return param === member || param.startsWith(`${member}.`);
}

export function groupOf(opt: OptimizerSpec, param: string): OptimizerGroup | undefined {
  return opt.groups.find((g) => owns(g.member, param));
}

/** The optimizer's options for one parameter: its group's options over the optimizer's. */
export function optionsFor(opt: OptimizerSpec, param: string): OptimizerOptions {
  return { ...opt.options, ...(groupOf(opt, param)?.options ?? {}) };
}

/** The learning-rate input a parameter reads: `lr`, or `lr.<member>` when its group sets `lr`. */
export function lrInputFor(opt: OptimizerSpec, param: string): string {
  const g = groupOf(opt, param);
  return g?.options.lr !== undefined ? `${LR_INPUT}.${g.member}` : LR_INPUT;
}

/** Every learning-rate input of the step, so the runtime can feed each its scheduled rate. */
export function lrInputs(opt: OptimizerSpec): LrInput[] {
  const out: LrInput[] = [{ name: LR_INPUT, baseLr: opt.options.lr }];
  for (const g of opt.groups) if (g.options.lr !== undefined) out.push({ name: `${LR_INPUT}.${g.member}`, baseLr: g.options.lr });
  return out;
}

/** Name of an optimizer state tensor of a parameter, kept in Module.params: `opt.m.conv1.bias`. */
export { stateName } from "../ir/training.js";
