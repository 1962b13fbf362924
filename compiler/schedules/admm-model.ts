import { error, type Diagnostic } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { dimAttr, intAttr } from "../ir/attrs.js";
import { dimMul } from "../ir/dims.js";
import { inputName, loopOf, paramName } from "../ir/struct-views.js";
import type { Dim, Func, Module, Node, TensorType } from "../ir/types.js";
import { nodesById } from "../ir/walk.js";
import { PREDICT_FUNC } from "../train/names.js";
import { SCHEDULE_CODES } from "./codes.js";

/**
 * What ADMM needs of a train block's model: that it is a graph-augmented MLP — Linear layers with
 * ReLU between them over the augmented features [X, ÂX, …, Âᴷ X] — and where each layer's weight
 * and bias live. Read off the model's `predict` function (its eval-mode forward), which takes the
 * augmentation in either of its two forms:
 *
 *  - `AugmentedLinear(in, out, K)` as the first layer: Σ_k Âᵏ (X W_kᵀ) + b by Horner's rule, each
 *    W_k a column block of one weight;
 *  - a `Linear((K+1)·in, out)` over `concat([x, propagate(x, g, K = 1), …])`.
 *
 * Hidden layers may be written one by one or as a `repeat(n)` stack (each layer a slice of the
 * stacked parameters). Anything else is refused at the node that does not fit.
 */

/** A parameter, or slice `index` of a stacked one. */
export interface ParamRef {
  name: string;
  index?: number;
}

export interface GaLayer {
  weight: ParamRef;
  bias: ParamRef;
  /** Input and output widths (the first layer's input: the augmented width (K+1)·F). */
  din: Dim;
  dout: Dim;
}

export interface GaMlp {
  /** Propagation steps of the augmentation. */
  K: number;
  /** The name of the features input and its width F. */
  features: string;
  width: Dim;
  layers: GaLayer[];
  /** The model's `predict`: the function evaluation runs once ADMM's weights are published. */
  predict: Func;
}

class Misfit extends Error {
  constructor(
    readonly node: Node | undefined,
    message: string,
  ) {
    super(message);
  }
}

const shapeOf = (n: Node): readonly Dim[] => (n.type as TensorType).shape;

export function recogniseGaMlp(module: Module, span: Span): GaMlp | Diagnostic[] {
  const predict = module.funcs.find((f) => f.name === PREDICT_FUNC);
  if (!predict) return [error(SCHEDULE_CODES.unfitBlock.code, "ADMM trains a model: this block's model has no forward to evaluate", span)];
  try {
    return new Reader(predict).read();
  } catch (e) {
    if (!(e instanceof Misfit)) throw e;
    return [
      error(SCHEDULE_CODES.unfitBlock.code, `ADMM trains an MLP over augmented features: ${e.message}`, e.node?.span ?? span, {
        help: "write the model as `AugmentedLinear(in, hidden, K)` (or a Linear over `concat([x, propagate(x, g, K = 1), …])`), then Linear layers with `relu` between them",
        ...(e.node?.span ? { labels: [{ span, message: "the schedule that needs it" }] } : {}),
      }),
    ];
  }
}

class Reader {
  private readonly nodes: Map<number, Node>;
  private features?: { name: string; width: Dim };

  constructor(private readonly func: Func) {
    this.nodes = nodesById(func);
  }

  read(): GaMlp {
    const layers: GaLayer[] = [];
    let v = this.func.results[0];
    const alone = this.augmentedLinear(v);
    if (alone) return this.done(alone.K, [alone.layer]);
    const last = this.linear(v, "the model's output is not a Linear layer");
    layers.unshift(last.layer);
    const K0 = this.augmentation(last.input);
    if (K0 !== undefined) return this.done(K0, layers);
    v = last.input;
    for (;;) {
      const n = this.node(v);
      const loop = loopOf(n);
      if (loop) {
        layers.unshift(...this.stack(n));
        v = n.inputs[0];
        continue;
      }
      if (n.op !== "t.relu") throw new Misfit(n, `\`${n.op}\` is not a ReLU between Linear layers`);
      const pre = n.inputs[0];
      const augmented = this.augmentedLinear(pre);
      if (augmented) {
        layers.unshift(augmented.layer);
        return this.done(augmented.K, layers);
      }
      const lin = this.linear(pre, "the input of this ReLU is not a Linear layer");
      layers.unshift(lin.layer);
      const K = this.augmentation(lin.input);
      if (K !== undefined) return this.done(K, layers);
      v = lin.input;
    }
  }

  private done(K: number, layers: GaLayer[]): GaMlp {
    if (layers.length < 2) throw new Misfit(undefined, `it has ${layers.length} layer, and ADMM splits at least 2`);
    return { K, features: this.features!.name, width: this.features!.width, layers, predict: this.func };
  }

  private node(id: number): Node {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`internal: no node %${id}`);
    return n;
  }

  /** `t.add(t.matmul(input, W, transB), b)` with W, b parameters (or slices of stacked ones at `index`). */
  private linear(id: number, why: string, loopIndex?: { arg: number; at: number }): { layer: GaLayer; input: number } {
    const n = this.node(id);
    if (n.op === "t.matmul") throw new Misfit(n, "a Linear layer without a bias: ADMM updates every layer's bias");
    if (n.op !== "t.add") throw new Misfit(n, why);
    for (const [m, b] of [n.inputs, [...n.inputs].reverse()]) {
      const mm = this.node(m);
      if (mm.op !== "t.matmul" || mm.attrs.transA === true || mm.attrs.transB !== true) continue;
      const weight = this.param(mm.inputs[1], 2, loopIndex);
      const bias = this.param(b, 1, loopIndex);
      if (!weight || !bias) continue;
      const [dout, din] = shapeOf(this.node(mm.inputs[1]));
      return { layer: { weight, bias, din, dout }, input: mm.inputs[0] };
    }
    throw new Misfit(n, why);
  }

  /** A parameter of `rank` dims, or (in a stack's body) slice i of a stacked one. */
  private param(id: number, rank: number, loopIndex?: { arg: number; at: number }): ParamRef | undefined {
    const n = this.node(id);
    const name = paramName(n);
    if (name !== undefined) return shapeOf(n).length === rank ? { name } : undefined;
    if (loopIndex && n.op === "t.select" && intAttr(n.attrs, "axis") === 0 && n.inputs[1] === loopIndex.arg) {
      const stacked = paramName(this.node(n.inputs[0]));
      return stacked !== undefined && shapeOf(n).length === rank ? { name: stacked, index: loopIndex.at } : undefined;
    }
    return undefined;
  }

  /** A `repeat(n)` stack whose body is one `relu(Linear(h))`: n layers, slice i in iteration i. */
  private stack(n: Node): GaLayer[] {
    const loop = loopOf(n)!;
    const trip = loop.trip;
    if (loop.mode !== "repeat" || loop.reverse || typeof trip !== "number" || n.inputs.length !== 1) {
      throw new Misfit(n, "a stack of layers ADMM can split is a plain `repeat(n)` of one Linear and a ReLU");
    }
    const [index, carried] = loop.body.params.map((p) => p.id);
    const out = this.node(loop.body.results[0]);
    if (out.op !== "t.relu") throw new Misfit(out, "each block of the stack must end in a ReLU");
    const layers: GaLayer[] = [];
    for (let i = 0; i < trip; i++) {
      const lin = this.linear(out.inputs[0], "each block of the stack must be one Linear layer", { arg: index, at: i });
      if (lin.input !== carried) throw new Misfit(this.node(lin.input), "each block of the stack must be one Linear layer");
      layers.push(lin.layer);
    }
    return layers;
  }

  /** Âᵏ of the features (k spmm hops over the GCN-normalised graph with self loops): k, else undefined. */
  private hops(id: number): number | undefined {
    const n = this.node(id);
    const name = inputName(n);
    if (name !== undefined) {
      const shape = shapeOf(n);
      if (n.type.kind !== "tensor" || shape.length !== 2) return undefined;
      if (this.features && this.features.name !== name) throw new Misfit(n, `the augmentation reads \`${name}\` and \`${this.features.name}\``);
      this.features = { name, width: shape[1] };
      return 0;
    }
    if (n.op !== "g.spmm") return undefined;
    if (!this.overAHat(n)) throw new Misfit(n, "the augmentation propagates with Â, the GCN-normalised adjacency with self loops");
    const k = this.hops(n.inputs[2]);
    return k === undefined ? undefined : k + 1;
  }

  /** [X, ÂX, …, Âᴷ X] (a concat in that order, or X alone): K, else undefined. */
  private augmentation(id: number): number | undefined {
    const n = this.node(id);
    if (n.op !== "t.concat") return this.hops(id) === 0 ? 0 : undefined;
    if (intAttr(n.attrs, "axis") !== 1) return undefined;
    n.inputs.forEach((input, k) => {
      if (this.hops(input) !== k) throw new Misfit(this.node(input), `block ${k} of the augmented features must be Â^${k} x`);
    });
    return n.inputs.length - 1;
  }

  /**
   * `AugmentedLinear`: t.add(H_0, b) with H_k = X W_kᵀ (+ Â H_{k+1} for k < K), W_k the k-th
   * column block of one weight. Undefined when `id` is not of this form at all.
   */
  private augmentedLinear(id: number): { layer: GaLayer; K: number } | undefined {
    const n = this.node(id);
    if (n.op !== "t.add") return undefined;
    for (const [h, b] of [n.inputs, [...n.inputs].reverse()]) {
      const bias = this.param(b, 1);
      const blocks: { weight: string; start: Dim; size: Dim }[] = [];
      if (!bias || !this.horner(h, blocks)) continue;
      const weight = blocks[0].weight;
      const node = this.func.body.find((x) => paramName(x) === weight)!;
      const [dout, din] = shapeOf(node);
      blocks.forEach((block, k) => {
        if (block.weight !== weight || String(block.start) !== String(dimMul(block.size, k))) {
          throw new Misfit(n, `block ${k} of the augmented layer must multiply Â^${k} x by column block ${k} of one weight`);
        }
      });
      return { layer: { weight: { name: weight }, bias, din, dout }, K: blocks.length - 1 };
    }
    return undefined;
  }

  /** Collects H_k's weight blocks in order; false when `id` is not such a sum. */
  private horner(id: number, blocks: { weight: string; start: Dim; size: Dim }[]): boolean {
    const n = this.node(id);
    if (n.op === "t.matmul") return this.block(n, blocks);
    if (n.op !== "t.add") return false;
    for (const [x, rest] of [n.inputs, [...n.inputs].reverse()]) {
      const mm = this.node(x);
      const spmm = this.node(rest);
      if (mm.op !== "t.matmul" || spmm.op !== "g.spmm" || !this.overAHat(spmm)) continue;
      if (!this.block(mm, blocks)) continue;
      return this.horner(spmm.inputs[2], blocks);
    }
    return false;
  }

  /** A sum aggregation over Â: the GCN-normalised graph with self loops. */
  private overAHat(n: Node): boolean {
    if (n.inputs.length !== 3 || n.attrs.reduce !== "sum") return false;
    const [graph, weights] = n.inputs.map((i) => this.node(i));
    return graph.op === "g.add_self_loops" && weights.op === "g.gcn_norm" && weights.attrs.improved !== true;
  }

  /** `t.matmul(x, t.slice(W, axis 1), transB)` of the features: appended to `blocks`. */
  private block(mm: Node, blocks: { weight: string; start: Dim; size: Dim }[]): boolean {
    if (mm.attrs.transA === true || mm.attrs.transB !== true || this.hops(mm.inputs[0]) !== 0) return false;
    const slice = this.node(mm.inputs[1]);
    if (slice.op !== "t.slice" || intAttr(slice.attrs, "axis") !== 1) return false;
    const weight = paramName(this.node(slice.inputs[0]));
    if (weight === undefined) return false;
    blocks.push({ weight, start: dimAttr(slice.attrs, "start"), size: dimAttr(slice.attrs, "size") });
    return true;
  }
}
