import type { Span } from "../../grammar/span.js";
import { FuncBuilder } from "../ir/builder.js";
import { dimMul } from "../ir/dims.js";
import { FUSABLE_BINARY, FUSABLE_UNARY } from "../ir/ops/fused.js";
import { paramName } from "../ir/struct-views.js";
import type { Dim, Func, Node, TensorType } from "../ir/types.js";

/**
 * G copies of a model as one function (soup ingredients trained concurrently): every parameter
 * gets a leading model axis ([G, …shape], entry renamed by `rename`), and every value computed
 * per node holds the G models' features side by side in one row: a [M, d] value becomes
 * [M, G·d], model g in columns g·d … (g+1)·d. So the graph ops see one wide row — one SpMM
 * propagates every model's features — and a feature matrix times G weights is one matmul with
 * the weights stacked ([F, G·h]). Products of per-model rows with per-model weights are
 * `t.group_matmul`s. Values that depend on no parameter (the graph, its normalisation, the
 * features and dropout of them) are computed once and shared: dropout of the features draws one
 * mask for every model; dropout of a model's own activations draws its own.
 *
 * Ops without a rule here make the function unbatchable; the caller trains the models one after
 * another instead, and says which op stood in the way.
 */

/** How a value of the original function is held in the batched one. */
type Layout =
  /** As in the original: it depends on no parameter. */
  | "shared"
  /** [G, …shape]: one per model, on a leading axis (parameters, values of parameters only). */
  | "stacked"
  /** [M, d] held as [M, G·d]: per-node values, every model's row side by side. */
  | "rows";

interface Held {
  id: number;
  layout: Layout;
}

/** Why a function cannot be batched: the op, where the model wrote it, and what is missing. */
export interface Unbatchable {
  op: string;
  span?: Span;
  why: string;
}

export function isUnbatchable<T extends object>(x: T | Unbatchable): x is Unbatchable {
  return "why" in x && "op" in x;
}

class Refused extends Error {
  constructor(
    readonly node: Node,
    readonly why: string,
  ) {
    super(why);
  }
}

const UNARY = new Set([...FUSABLE_UNARY, "t.stop_gradient"]);
const BINARY = new Set(FUSABLE_BINARY);

function tensorOf(n: Node): TensorType {
  if (n.type.kind !== "tensor") throw new Refused(n, `its value is a ${n.type.kind}, computed per model`);
  return n.type;
}

/**
 * `func` for `groups` models at once. Results must be per-node rows (the model's output) or
 * shared values; each result keeps its name.
 */
export function batchModels(func: Func, name: string, groups: number, rename: (param: string) => string): Func | Unbatchable {
  try {
    return new Batcher(func, name, groups, rename).run();
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return { op: e.node.op, ...(e.node.span ? { span: e.node.span } : {}), why: e.why };
  }
}

class Batcher {
  private readonly b: FuncBuilder;
  private readonly held = new Map<number, Held>();
  private readonly original = new Map<number, Node>();

  constructor(
    private readonly func: Func,
    name: string,
    private readonly g: number,
    private readonly rename: (param: string) => string,
  ) {
    this.b = new FuncBuilder(name);
  }

  run(): Func {
    for (const n of this.func.body) {
      this.original.set(n.id, n);
      this.b.at(n.span);
      this.held.set(n.id, this.node(n));
    }
    const results = this.func.results.map((r) => {
      const h = this.held.get(r)!;
      if (h.layout === "stacked") throw new Refused(this.original.get(r)!, "a result computed from the parameters alone has no rows to hold the models side by side");
      return h.id;
    });
    return this.b.finish(results, this.func.resultNames);
  }

  private node(n: Node): Held {
    if (n.regions?.length) throw new Refused(n, "it has a nested body (a loop or a reversible stack)");
    const name = paramName(n);
    if (name !== undefined) {
      const t = tensorOf(n);
      return { id: this.b.leaf("s.param", { ...t, shape: [this.g, ...t.shape] }, { name: this.rename(name) }), layout: "stacked" };
    }
    const ins = n.inputs.map((i) => this.held.get(i)!);
    if (ins.every((h) => h.layout === "shared")) {
      const id = this.b.fresh(n.type);
      this.b.append({ ...n, id, inputs: ins.map((h) => h.id) });
      return { id, layout: "shared" };
    }
    if (UNARY.has(n.op) || n.op === "nn.dropout") {
      if (ins.slice(1).some((h) => h.layout !== "shared")) throw new Refused(n, "its key is computed per model");
      return { id: this.b.emit(n.op, ins.map((h) => h.id), n.attrs), layout: ins[0].layout };
    }
    if (BINARY.has(n.op)) return this.binary(n, ins);
    if (n.op === "t.matmul") return this.matmul(n, ins);
    if (n.op === "g.spmm") {
      // Graph and edge weights shared, the features per model: one SpMM over the wide rows.
      if (ins.slice(0, -1).some((h) => h.layout !== "shared")) throw new Refused(n, "its edge weights are computed per model");
      const h = this.rows(n, n.inputs.length - 1, ins[ins.length - 1]);
      return { id: this.b.emit(n.op, [...ins.slice(0, -1).map((x) => x.id), h], n.attrs), layout: "rows" };
    }
    throw new Refused(n, "it has no rule for models side by side");
  }

  private type(id: number): TensorType {
    return tensorOf(this.original.get(id)!);
  }

  private reshape(id: number, shape: readonly Dim[]): number {
    return this.b.emit("t.reshape", [id], { shape: [...shape] });
  }

  private broadcast(id: number, shape: readonly Dim[]): number {
    return this.b.emit("t.broadcast_to", [id], { shape: [...shape] });
  }

  /** Operand `k` of `n` as rows [M, G·d], a shared [M, d] value repeated for every model. */
  private rows(n: Node, k: number, h: Held): number {
    if (h.layout === "rows") return h.id;
    const t = this.type(n.inputs[k]);
    if (h.layout === "stacked" || t.shape.length !== 2) throw new Refused(n, `operand ${k + 1} is not a value per node`);
    const [m, d] = t.shape;
    return this.reshape(this.broadcast(this.reshape(h.id, [m, 1, d]), [m, this.g, d]), [m, dimMul(this.g, d)]);
  }

  /**
   * An operand of an elementwise op whose result is rows [M, G·d]: per-model values laid out
   * along the row, shared ones repeated where they vary along the row.
   */
  private alongRows(n: Node, k: number, h: Held, d: Dim): number {
    if (h.layout === "rows") return h.id;
    const t = this.type(n.inputs[k]);
    const s = t.shape;
    const last = s.length ? s[s.length - 1] : 1;
    if (h.layout === "shared" && last === 1) return h.id; // one value per row or in all, the same for every model
    if (s.slice(0, -1).some((x) => x !== 1)) {
      if (h.layout === "shared" && s.length === 2) return this.rows(n, k, h);
      throw new Refused(n, `operand ${k + 1} (${s.length}-D, per model) does not broadcast along a row`);
    }
    const perModel = h.layout === "stacked" ? this.reshape(h.id, [this.g, last]) : this.broadcast(this.reshape(h.id, [1, last]), [this.g, last]);
    const wide = last === d ? perModel : this.broadcast(perModel, [this.g, d]);
    return this.reshape(wide, s.length === 2 ? [1, dimMul(this.g, d)] : [dimMul(this.g, d)]);
  }

  private binary(n: Node, ins: Held[]): Held {
    const out = tensorOf(n);
    // Per node when an operand is: per-model rows, or shared rows (features) meeting per-model values.
    const sharedRows = ins.some((h, k) => h.layout === "shared" && this.type(n.inputs[k]).shape.length === 2 && this.type(n.inputs[k]).shape[0] !== 1);
    if (ins.some((h) => h.layout === "rows") || (out.shape.length === 2 && sharedRows)) {
      if (out.shape.length !== 2) throw new Refused(n, "per-node values must be 2-D");
      const d = out.shape[1];
      return { id: this.b.emit(n.op, ins.map((h, k) => this.alongRows(n, k, h, d)), n.attrs), layout: "rows" };
    }
    // Per-model values without rows: the model axis leads, lower ranks get unit axes after it.
    const ids = ins.map((h, k) => {
      if (h.layout === "shared") return h.id;
      const s = this.type(n.inputs[k]).shape;
      return s.length === out.shape.length ? h.id : this.reshape(h.id, [this.g, ...new Array(out.shape.length - s.length).fill(1), ...s]);
    });
    return { id: this.b.emit(n.op, ids, n.attrs), layout: "stacked" };
  }

  private matmul(n: Node, [a, w]: Held[]): Held {
    const transA = n.attrs.transA === true;
    const transB = n.attrs.transB === true;
    if (transA || a.layout === "stacked" || w.layout === "rows") throw new Refused(n, "only per-node rows times weights have a rule");
    const wt = this.type(n.inputs[1]);
    if (a.layout === "shared" && transB) {
      // Shared rows times every model's weight: one matmul with the weights stacked and
      // transposed, [k, G·n], so that a row of the features meets each weight row contiguously
      // (what a wide patterned product over mostly-zero features wants: compact-values.ts).
      const [rows, k] = wt.shape;
      const stackedT = this.b.emit("t.transpose", [this.reshape(w.id, [dimMul(this.g, rows), k])]);
      return { id: this.b.emit("t.matmul", [a.id, stackedT]), layout: "rows" };
    }
    const left = this.rows(n, 0, a);
    const weights = w.layout === "stacked" ? w.id : this.broadcast(this.reshape(w.id, [1, ...wt.shape]), [this.g, ...wt.shape]);
    return { id: this.b.emit("t.group_matmul", [left, weights], { groups: this.g, transB }), layout: "rows" };
  }
}
