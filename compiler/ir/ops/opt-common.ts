import { floatAttr } from "../attrs.js";
import type { InferError, OpSpec } from "../spec.js";
import { formatType, isFloatDType } from "../type-utils.js";
import type { AttrValue, Attrs, Type } from "../types.js";
import type { TensorValue } from "../values.js";
import { asTensor, elementsOf, fail, floatTensorAt, streamingCost, tensorAt } from "./common.js";
import { floatLike, sameShape } from "./float-like.js";

/**
 * The shape every optimizer update op shares: one result shaped like its first operand, computed
 * element by element (in f64, stored in the first operand's array type) from operands of that same
 * type ("tensor" roles) and float scalars ("scalar" roles: lr, the step count t, …). Per-step
 * hyper-parameters are scalar inputs rather than attrs so one compiled step serves every epoch.
 * None of these ops carries a gradient.
 */

export interface Role {
  name: string;
  kind: "tensor" | "scalar";
}

export const tensorRole = (name: string): Role => ({ name, kind: "tensor" });
export const scalarRole = (name: string): Role => ({ name, kind: "scalar" });

/** Operand data by role name (scalars as their one value). */
export interface Operands {
  tensors: Readonly<Record<string, ArrayLike<number>>>;
  scalars: Readonly<Record<string, number>>;
}

export interface UpdateOpDef {
  name: string;
  summary: string;
  attrs: OpSpec["attrs"];
  /** The accepted operand lists; at most one per length. */
  forms: readonly (readonly Role[])[];
  /** An attr (or attr/arity combination) problem, phrased for the user, or undefined. */
  checkAttrs?(attrs: Attrs, arity: number): string | undefined;
  /** Given attrs and operands, the function computing element k of the result. */
  make(attrs: Attrs, ops: Operands): (k: number) => number;
  flops: number;
}

/** An attr that must lie in [lo, hi) (hi = Infinity for no upper bound), or a message saying so. */
export function inRange(attrs: Attrs, name: string, lo: number, hi: number): string | undefined {
  const v = floatAttr(attrs, name);
  if (v >= lo && v < hi) return undefined;
  return `${name} must lie in [${lo}, ${hi === Infinity ? "∞" : hi}), got ${v}`;
}

function formFor(def: UpdateOpDef, arity: number): readonly Role[] | undefined {
  return def.forms.find((f) => f.length === arity);
}

function checkOperands(def: UpdateOpDef, roles: readonly Role[], inputs: readonly Type[]): InferError | undefined {
  const first = floatTensorAt(inputs, 0, roles[0].name);
  if ("error" in first) return first;
  for (let i = 1; i < roles.length; i++) {
    const role = roles[i];
    const t = tensorAt(inputs, i, role.name);
    if ("error" in t) return t;
    if (role.kind === "tensor" && (t.dtype !== first.dtype || !sameShape(t.shape, first.shape))) {
      return fail(`${role.name} must be ${formatType(first)} to match ${roles[0].name}, got ${formatType(t)}`, [0, i]);
    }
    if (role.kind === "scalar" && (!isFloatDType(t.dtype) || t.shape.length !== 0)) {
      return fail(`${role.name} must be a float scalar (f32[]), got ${formatType(t)}`, [i]);
    }
  }
  return undefined;
}

export function updateOp(def: UpdateOpDef): OpSpec {
  const lengths = def.forms.map((f) => f.length);
  const arity: OpSpec["arity"] = lengths.length === 1 ? lengths[0] : [Math.min(...lengths), Math.max(...lengths)];
  const defaults: Record<string, AttrValue> = {};
  for (const [k, s] of Object.entries(def.attrs)) if (s.default !== undefined) defaults[k] = s.default;
  return {
    name: def.name,
    summary: def.summary,
    arity,
    attrs: def.attrs,
    pure: true,
    nondifferentiable: true,
    infer(inputs, attrs) {
      const roles = formFor(def, inputs.length);
      if (!roles) {
        const forms = def.forms.map((f) => `(${f.map((r) => r.name).join(", ")})`).join(" or ");
        return fail(`${def.name} takes ${forms}, got ${inputs.length} operand(s)`);
      }
      const bad = checkOperands(def, roles, inputs);
      if (bad) return bad;
      const attrProblem = def.checkAttrs?.({ ...defaults, ...attrs }, inputs.length);
      if (attrProblem) return fail(`${def.name}: ${attrProblem}`);
      return inputs[0];
    },
    interpret(inputs, attrs, ctx) {
      const roles = formFor(def, inputs.length);
      if (!roles) throw new Error(`${def.name} got ${inputs.length} operand(s)`);
      const tensors: Record<string, ArrayLike<number>> = {};
      const scalars: Record<string, number> = {};
      let first: TensorValue | undefined;
      roles.forEach((role, i) => {
        const v = asTensor(inputs[i], role.name);
        if (i === 0) first = v;
        if (role.kind === "tensor") tensors[role.name] = v.data;
        else scalars[role.name] = v.data[0];
      });
      const out = floatLike(first!, first!.shape, ctx.precision);
      const f = def.make(attrs, { tensors, scalars });
      for (let k = 0; k < out.data.length; k++) out.data[k] = f(k);
      return out;
    },
    cost(inputs, output, _attrs, symbols) {
      return streamingCost(inputs, output, symbols, def.flops * elementsOf(output, symbols));
    },
  };
}
