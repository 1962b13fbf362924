import { expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import { differentiate, type LossSpec } from "../../compiler/autodiff/index.js";
import { FuncBuilder } from "../../compiler/ir/builder.js";
import { graphFromEdges } from "../../compiler/ir/graph-value.js";
import type { Func, Module, TensorType } from "../../compiler/ir/types.js";
import type { GraphValue, TensorValue, Value } from "../../compiler/ir/values.js";
import { formatDiagnostic } from "../../grammar/format.js";
import { initParams, runFunc } from "../../runtime/reference/index.js";
import { verifyFunc } from "../../compiler/ir/verify.js";
import { random, randomTensor, UNIFORM } from "../support/tensors.js";

/** Shared fixtures of the autodiff tests: a small graph, seeded data, loss builders, finite differences. */

export const FILE = "model.gnn";

/** 5 nodes, node 4 isolated (its only neighbour after add_self_loops is itself). */
export const N = 5;
const EDGES: [number, number][] = [
  [0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 2], [0, 3],
];
/** Width of the `edge_attr` input makeEnv supplies. */
export const EDGE_DIM = 2;
export const graph: GraphValue = graphFromEdges(N, Int32Array.from(EDGES.map((e) => e[0])), Int32Array.from(EDGES.map((e) => e[1])));

export function compileModule(source: string): Module {
  const { program, diagnostics } = compile(source, { file: FILE });
  const errors = diagnostics.filter((d) => d.severity === "error");
  expect(errors, errors.map((d) => formatDiagnostic(d, () => source)).join("\n")).toEqual([]);
  return program!.modules[0];
}

export function funcOf(m: Module, name: string): Func {
  const f = m.funcs.find((x) => x.name === name);
  expect(f, `module ${m.name} has func ${name}`).toBeDefined();
  return f!;
}

export function resultId(f: Func, name: string): number {
  const k = f.resultNames.indexOf(name);
  expect(k, `${f.name} returns ${name}`).toBeGreaterThanOrEqual(0);
  return f.results[k];
}

/**
 * `loss = sum(out * r)` for a fixed input `r`: a loss that needs no loss op and gives every output
 * element a different weight (so a wrong index in a gradient rule cannot cancel out).
 */
export function weightedSumLoss(f: Func, out = "out", lossName = "loss", weightsInput = "r"): Func {
  const b = new FuncBuilder(f.name, f);
  const o = resultId(f, out);
  const t = b.typeOf(o) as TensorType;
  const r = b.leaf("s.input", t, { name: weightsInput });
  const prod = b.emit("t.mul", [o, r]);
  const loss = b.emit("t.sum", [prod], { axes: t.shape.map((_, k) => k) });
  return b.finish([...f.results, loss], [...f.resultNames, lossName]);
}

/** `loss = cross_entropy(out, labels, mask)` with `labels: i32[N]` and `mask: bool[N]` inputs. */
export function crossEntropyLoss(f: Func, out = "out", lossName = "loss"): Func {
  const b = new FuncBuilder(f.name, f);
  const o = resultId(f, out);
  const rows = (b.typeOf(o) as TensorType).shape[0];
  const labels = b.leaf("s.input", { kind: "tensor", dtype: "i32", shape: [rows] }, { name: "labels" });
  const mask = b.leaf("s.input", { kind: "tensor", dtype: "bool", shape: [rows] }, { name: "mask" });
  return b.finish([...f.results, b.emit("nn.cross_entropy", [o, labels, mask])], [...f.resultNames, lossName]);
}

/** Differentiate and insist on success. */
export function gradOk(f: Func, losses: LossSpec[], m?: Module): Func {
  const g = differentiate(f, { losses, params: m?.params });
  if (Array.isArray(g)) expect.fail(g.map((d) => `${d.code}: ${d.message}`).join("\n"));
  return g as Func;
}

export type Env = { inputs: Record<string, Value>; params: Record<string, TensorValue> };

/**
 * Inputs for a model `forward(x: f32[N, width], g: graph[N])` plus the loss inputs of both loss
 * kinds, one per output row (per node, or per graph for a model that pools to a known count).
 */
export function makeEnv(m: Module, f: Func, width: number, seed = 1): Env {
  const outType = funcOf(m, "forward").body.find((n) => n.id === resultId(f, "out"))!.type as TensorType;
  const classes = outType.shape[1] as number;
  const rows = typeof outType.shape[0] === "number" ? outType.shape[0] : N;
  const labels = Int32Array.from({ length: rows }, (_, i) => (i * 7 + seed) % classes);
  const mask = Uint8Array.from({ length: rows }, (_, i) => (i === 2 ? 0 : 1));
  return {
    inputs: {
      x: randomTensor([N, width], random(seed), UNIFORM),
      graph,
      rng: { kind: "rng", key: [seed, 99] },
      r: randomTensor([rows, classes], random(seed + 100), UNIFORM),
      labels: { kind: "tensor", dtype: "i32", shape: [rows], data: labels },
      mask: { kind: "tensor", dtype: "bool", shape: [rows], data: mask },
      // Edge data and a batch vector, for models that read them.
      edge_weight: randomTensor([graph.numEdges], random(seed + 200), { lo: 0.5, hi: 2, zeros: 0 }),
      edge_attr: randomTensor([graph.numEdges, EDGE_DIM], random(seed + 300), UNIFORM),
      batch: { kind: "tensor", dtype: "i32", shape: [N], data: Int32Array.of(0, 0, 1, 1, 2) },
    },
    params: perturbParams(initParams(m, seed), seed),
  };
}

/** Initial biases are zero and norm weights one; nudge every parameter so no gradient is trivially symmetric. */
function perturbParams(params: Record<string, TensorValue>, seed: number): Record<string, TensorValue> {
  const next = random(seed + 7);
  const out: Record<string, TensorValue> = {};
  for (const [name, p] of Object.entries(params)) out[name] = { ...p, data: p.data.map((v) => v + 0.6 * next() - 0.3) as Float32Array };
  return out;
}

function scalarResult(f: Func, env: Env, name: string): number {
  const values = runFunc(f, env, { precision: "f64" });
  return (values[f.resultNames.indexOf(name)] as TensorValue).data[0];
}

/** Every gradient result of `grad` by parameter name, computed in f64. */
export function gradients(grad: Func, env: Env): Record<string, TensorValue> {
  const values = runFunc(grad, env, { precision: "f64" });
  const out: Record<string, TensorValue> = {};
  grad.resultNames.forEach((n, k) => {
    if (n.startsWith("grad.")) out[n.slice(5)] = values[k] as TensorValue;
  });
  return out;
}

/**
 * Compare each gradient with central finite differences of the loss, in the interpreter's f64
 * mode: with f64 storage the difference quotient is accurate to ~1e-9, so a tight tolerance
 * catches a wrong rule instead of hiding it in f32 rounding noise. Large tensors are sampled.
 */
export function expectGradientsMatchFD(lossFunc: Func, grad: Func, env: Env, lossName = "loss", tol = 1e-6): void {
  const h = 1e-5;
  const grads = gradients(grad, env);
  expect(Object.keys(grads).length).toBeGreaterThan(0);
  for (const [name, g] of Object.entries(grads)) {
    const p = env.params[name];
    const n = p.data.length;
    const picks = n <= 24 ? [...Array(n).keys()] : [...new Set(Array.from({ length: 24 }, (_, k) => Math.floor((k * 7919) % n)))];
    for (const j of picks) {
      const at = (delta: number) => {
        const data = Float64Array.from(p.data);
        data[j] += delta;
        return scalarResult(lossFunc, { ...env, params: { ...env.params, [name]: { ...p, data } } }, lossName);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      const got = g.data[j];
      expect(Math.abs(got - fd), `d${lossName}/d${name}[${j}]: autodiff ${got}, finite differences ${fd}`).toBeLessThanOrEqual(
        tol * Math.max(1, Math.abs(fd)),
      );
    }
  }
}

/**
 * For each model (a `.gnn` source with `forward(x, g)`): the gradients of `sum(out * r)` and of
 * masked cross-entropy w.r.t. every trainable parameter match finite differences, and the
 * differentiated function verifies.
 */
export function itMatchesFiniteDifferences(models: Readonly<Record<string, string>>, width: number, prepare: (m: Module) => Module = (m) => m): void {
  for (const [name, source] of Object.entries(models)) {
    it(`${name}: sum(out * r)`, () => {
      const m = prepare(compileModule(source));
      const lossFunc = weightedSumLoss(funcOf(m, "forward"));
      const grad = gradOk(lossFunc, [{ result: "loss", wrt: ["*"] }], m);
      expect(verifyFunc(grad, m.params)).toEqual([]);
      expectGradientsMatchFD(lossFunc, grad, makeEnv(m, lossFunc, width));
    });
    it(`${name}: masked cross-entropy`, () => {
      const m = prepare(compileModule(source));
      const lossFunc = crossEntropyLoss(funcOf(m, "forward"));
      const grad = gradOk(lossFunc, [{ result: "loss", wrt: ["*"] }], m);
      expectGradientsMatchFD(lossFunc, grad, makeEnv(m, lossFunc, width, 3));
    });
  }
}
