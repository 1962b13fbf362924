import type { Module } from "../../compiler/ir/types.js";
import type { Pass } from "../../compiler/passes/pass.js";

/** Passes used only by the pass-layer tests: an option-rich one, and ones that misbehave on purpose. */

const identity = (module: Module) => ({ module, changed: false, diagnostics: [] });

export const optionRich: Pass<{ density: number; method: string; every: number; seed: number; verbose: boolean; tag?: string }> = {
  name: "prune-like",
  description: "Takes one option of each kind; does nothing.",
  options: {
    density: { kind: "float", default: 0.5, doc: "fraction of weights kept" },
    method: { kind: "enum", values: ["rigl", "magnitude", "random"], default: "rigl", doc: "how weights are chosen" },
    every: { kind: "int", default: 50, doc: "epochs between updates" },
    seed: { kind: "int", doc: "required: the RNG seed" },
    verbose: { kind: "bool", default: false, doc: "log more" },
    tag: { kind: "string", optional: true, doc: "a free label" },
  },
  run: identity,
};

/** Provides and requires made-up properties, to test ordering. */
export function propertyPass(name: string, props: { requires?: string[]; provides?: string[]; invalidates?: string[] }): Pass {
  return { name, description: `test pass ${name}`, options: {}, ...props, run: identity };
}

export const throwing: Pass = {
  name: "throwing",
  description: "Throws, like a buggy pass.",
  options: {},
  run() {
    throw new TypeError("cannot read properties of undefined (reading 'shape')");
  },
};

export const garbage: Pass = {
  name: "garbage",
  description: "Returns something that is not a PassResult.",
  options: {},
  run: () => ({ nope: true }) as never,
};

/** Breaks the IR: points the first result at a value that does not exist. */
export const dangling: Pass = {
  name: "dangling",
  description: "Produces IR that the verifier must reject.",
  options: {},
  run(module) {
    const [f, ...rest] = module.funcs;
    const broken = { ...f, results: [9999, ...f.results.slice(1)] };
    return { module: { ...module, funcs: [broken, ...rest] }, changed: true, diagnostics: [] };
  },
};

/** Reports an error diagnostic, so the pipeline must stop after it. */
export const complaining: Pass = {
  name: "complaining",
  description: "Reports a user error.",
  options: {},
  run(module, ctx) {
    ctx.log("complaining ran");
    const at = { offset: 0, line: 1, column: 1 };
    return { module, changed: false, diagnostics: [{ code: "E650", severity: "error", message: "no", span: ctx.span ?? { file: "x", start: at, end: at } }] };
  },
};

export const warning: Pass = {
  name: "warning",
  description: "Reports a warning; the pipeline goes on.",
  options: {},
  run(module, ctx) {
    const at = { offset: 0, line: 1, column: 1 };
    return { module, changed: false, diagnostics: [{ code: "E651", severity: "warning", message: "hm", span: ctx.span ?? { file: "x", start: at, end: at } }] };
  },
};

/** Returns a module whose node lacks most fields: the verifier itself may choke on it. */
export const mangled: Pass = {
  name: "mangled",
  description: "Produces structurally malformed IR.",
  options: {},
  run(module) {
    const f = { name: "forward", body: [{ id: 0 } as never], results: [0], resultNames: ["out"] };
    return { module: { ...module, funcs: [f] }, changed: true, diagnostics: [] };
  },
};
