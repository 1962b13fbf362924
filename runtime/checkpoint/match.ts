import { concreteShape } from "../../compiler/ir/dims.js";
import type { DType, Module, ParamInfo } from "../../compiler/ir/types.js";
import type { TensorData, TensorValue } from "../../compiler/ir/values.js";
import type { SafetensorsDType } from "./dtypes.js";
import { CheckpointError } from "./errors.js";
import type { SafeTensor } from "./safetensors.js";

/**
 * Fitting a checkpoint's tensors to a module's parameters: every parameter present by name with
 * the shape the module has for the bound data, and no tensor the module does not know. Every
 * mismatch is found; the error names the first (the tensor, both shapes) and counts the rest.
 */

/** Optimizer states are named `opt.<state>.<param>` (compiler/train's stateName). */
export function isOptimizerState(name: string): boolean {
  return name.startsWith("opt.");
}

export interface MatchOptions {
  /** Tensors the checkpoint may hold that the module does not use (optimizer states, when only predicting). */
  ignore?(name: string): boolean;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function shapeOf(p: ParamInfo, env: Readonly<Record<string, number>>): number[] {
  return concreteShape(p.type.shape, env, `parameter ${p.name} (once the data is bound)`);
}

/** The checkpoint's data as the parameter's dtype holds it, or undefined when it cannot be (the caller reports it). */
function convert(t: SafeTensor, dtype: DType): TensorData | undefined {
  switch (dtype) {
    case "f32":
    case "f16": // held as f32 on the reference device
      if (t.dtype === "F32") return t.data as Float32Array;
      // NumPy's default dtype: narrowed as torch's load_state_dict would when copying into an f32 tensor.
      if (t.dtype === "F64") return Float32Array.from(t.data as Float64Array);
      return undefined;
    case "i32":
      return t.dtype === "I32" ? (t.data as Int32Array) : undefined;
    case "u32":
      return t.dtype === "U32" ? (t.data as Uint32Array) : undefined;
    case "bool":
      return t.dtype === "BOOL" || t.dtype === "U8" ? (t.data as Uint8Array) : undefined;
  }
}

const ACCEPTED: Record<DType, readonly SafetensorsDType[]> = { f32: ["F32", "F64"], f16: ["F32", "F64"], i32: ["I32"], u32: ["U32"], bool: ["BOOL", "U8"] };

/**
 * The module's parameters (every `Module.params` entry, shapes evaluated with the module's and
 * the data's `symbols`) taken from `tensors`. Throws a CheckpointError naming `source`.
 */
export function matchParams(
  module: Module,
  symbols: Readonly<Record<string, number>>,
  tensors: Readonly<Record<string, SafeTensor>>,
  source: string,
  options: MatchOptions = {},
): Record<string, TensorValue> {
  const env = { ...module.symbols, ...symbols };
  const problems: string[] = [];
  const out: Record<string, TensorValue> = {};
  for (const p of module.params) {
    const shape = shapeOf(p, env);
    const t = tensors[p.name];
    if (!t) {
      const hint = isOptimizerState(p.name) ? " (saved with another optimizer, or without optimizer state?)" : "";
      problems.push(`no tensor \`${p.name}\`, which the model needs with shape ${formatShape(shape)}${hint}`);
      continue;
    }
    if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
      problems.push(`tensor \`${p.name}\` has shape ${formatShape(t.shape)}, but the model expects ${formatShape(shape)}`);
      continue;
    }
    const data = convert(t, p.type.dtype);
    if (!data) {
      problems.push(`tensor \`${p.name}\` has dtype ${t.dtype}, but the model holds it as ${p.type.dtype} (accepted: ${ACCEPTED[p.type.dtype].join(", ")})`);
      continue;
    }
    out[p.name] = { kind: "tensor", dtype: p.type.dtype, shape, data };
  }
  const known = new Set(module.params.map((p) => p.name));
  for (const name of Object.keys(tensors)) {
    if (!known.has(name) && !options.ignore?.(name)) problems.push(`the checkpoint has tensor \`${name}\`, which the model does not have`);
  }
  if (problems.length) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more mismatch${problems.length > 2 ? "es" : ""})` : "";
    throw new CheckpointError(problems[0] + more, source);
  }
  return out;
}
