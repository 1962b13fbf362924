import { concreteShape } from "../../compiler/ir/dims.js";
import { alloc } from "../../compiler/ir/ops/common.js";
import { foldKey, hashName, keyFromSeed, uniformFill } from "../../compiler/ir/rng.js";
import type { Module, ParamInfo } from "../../compiler/ir/types.js";
import type { TensorValue } from "../../compiler/ir/values.js";

/**
 * Parameter initialisation, following PyTorch / PyG conventions. Each parameter draws from its
 * own Philox stream, keyed by the seed and a hash of its name, so a parameter's initial value
 * depends only on (seed, name, shape) — not on the order or presence of other parameters.
 */

/** fan_in / fan_out from the last two dims ([out, in] layout, as torch.nn.Linear stores weights). */
function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  return { fanIn: shape[shape.length - 1], fanOut: shape[shape.length - 2] };
}

/** U(−bound, bound) for every element, from the parameter's own stream. */
function fillUniform(t: TensorValue, bound: number, key: [number, number]): void {
  const u = new Float64Array(t.data.length);
  uniformFill(key, u);
  for (let k = 0; k < u.length; k++) t.data[k] = (2 * u[k] - 1) * bound;
}

function initOne(p: ParamInfo, shape: number[], seed: number): TensorValue {
  const t = alloc(p.type.dtype, shape);
  const key = foldKey(keyFromSeed(seed), hashName(p.name));
  const { fanIn, fanOut } = fans(shape);
  switch (p.init.kind) {
    case "zeros":
      break;
    case "ones":
      t.data.fill(1);
      break;
    case "glorot":
      fillUniform(t, Math.sqrt(6 / (fanIn + fanOut)), key);
      break;
    case "kaiming_uniform": {
      // gain = √(2/(1+a²)), bound = gain·√(3/fan_in); a = √5 gives torch.nn.Linear's 1/√fan_in.
      const a = p.init.a ?? 0;
      fillUniform(t, Math.sqrt(2 / (1 + a * a)) * Math.sqrt(3 / fanIn), key);
      break;
    }
    case "uniform_fan_in":
      fillUniform(t, 1 / Math.sqrt(p.init.fanIn ?? fanIn), key);
      break;
    case "values": {
      const values = p.init.values ?? [];
      if (values.length !== t.data.length) throw new Error(`cannot initialise ${p.name} [${shape.join(", ")}] from ${values.length} values`);
      t.data.set(values);
      break;
    }
    case "identity": {
      if (shape.length < 2) throw new Error(`cannot initialise ${p.name} as identity: it is not a matrix`);
      const [rows, cols] = shape.slice(-2);
      for (let base = 0; base < t.data.length; base += rows * cols) {
        for (let i = 0; i < Math.min(rows, cols); i++) t.data[base + i * cols + i] = 1;
      }
      break;
    }
  }
  return t;
}

/**
 * Initial values of every parameter and buffer of a module. Shapes are resolved with the
 * module's symbols plus `symbols` (for sizes known only once data is bound).
 */
export function initParams(
  module: Module,
  seed: number,
  symbols: Readonly<Record<string, number>> = {},
): Record<string, TensorValue> {
  const env = { ...module.symbols, ...symbols };
  const out: Record<string, TensorValue> = {};
  for (const p of module.params) {
    out[p.name] = initOne(p, concreteShape(p.type.shape, env, `cannot initialise ${p.name}`), seed);
  }
  return out;
}
