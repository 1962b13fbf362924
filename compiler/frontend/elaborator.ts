import { OUTPUT_RESULT } from "../train/names.js";
import type { Label } from "../../grammar/diagnostics.js";
import type { Span } from "../../grammar/span.js";
import { BuildError, FuncBuilder } from "../ir/builder.js";
import type { Attrs, Dim, Func, ParamInfo, Region, TensorType, Type } from "../ir/types.js";
import { formatShape } from "../ir/dims.js";
import type { FunctionDef } from "./functions.js";
import { joinPath, type Instance, type LayerInstance, type StackInstance } from "./instance.js";
import type { Instantiator } from "./instantiate.js";
import type { LayerContext } from "./layers/layer.js";
import { runForward } from "./forward-body.js";
import type { DiagExtra, Reporter } from "./report.js";
import { bindArgs, checkInputCount, type ArgInput } from "./signature.js";
import { callStack } from "./stack-call.js";
import { formatTensorType, type GraphValue, type TensorValue, type Value } from "./value.js";

/** A loop body being emitted: parameters under `prefix` are read through `t.select(param, index)`. */
interface RegionFrame {
  prefix: string;
  index: number;
  stacked: boolean;
  /** Parameter reads already emitted in this region. */
  memo: Map<string, number>;
}

/** Context for op-level errors: who emitted the op and where its operands came from. */
export interface EmitSite {
  span: Span;
  /** `conv2 (GCNConv)`: the layer whose expansion emitted the op. */
  who?: string;
  declSpan?: Span;
  operandSpans?: readonly Span[];
}

/**
 * Emits one IR function (`forward` in training mode or `predict` in eval mode) for an instance
 * tree: parameter leaves first, then the model's forward, expanding layers into primitive ops.
 */
export class Elaborator {
  readonly builder: FuncBuilder;
  private readonly paramLeaves = new Map<string, number>();
  private readonly bufferUpdates = new Map<string, number>();
  private readonly regions: RegionFrame[] = [];
  private rngLeaf: number | undefined;
  private rngUsed = false;
  private nextSalt = 0;
  /** The graph of the `message` being elaborated, innermost last. */
  private readonly messageGraphs: GraphValue[] = [];
  /** Told of every stack call and the type of the value it carries (the `to_reversible` pass needs the width). */
  onStackCall?: (stack: StackInstance, carried: TensorType) => void;

  constructor(
    funcName: string,
    readonly training: boolean,
    readonly reporter: Reporter,
    readonly instantiator: Instantiator,
    private readonly params: readonly ParamInfo[],
  ) {
    this.builder = new FuncBuilder(funcName);
  }

  /** An `s.input` leaf. Call before `declareParams` so inputs come first in the body. */
  input(name: string, type: Type, span: Span): number {
    return this.builder.leaf("s.input", type, { name }, span);
  }

  /** One `s.param` leaf per parameter, and the RNG input (dropped again if nothing draws from it). */
  declareParams(): void {
    for (const p of this.params) this.paramLeaves.set(p.name, this.builder.leaf("s.param", p.type, { name: p.name }, p.span));
    this.rngLeaf = this.builder.leaf("s.input", { kind: "rng" }, { name: "rng" });
  }

  /** Finish the function: results are the model output and, in training mode, updated buffers. */
  finish(out: TensorValue): Func {
    const results = [out.id];
    const names = [OUTPUT_RESULT];
    for (const p of this.params) {
      const updated = this.bufferUpdates.get(p.name);
      if (updated !== undefined) {
        results.push(updated);
        names.push(p.name);
      }
    }
    const func = this.builder.finish(results, names);
    if (this.rngUsed) return func;
    return { ...func, body: func.body.filter((n) => n.id !== this.rngLeaf) };
  }

  get inLoop(): boolean {
    return this.regions.length > 0;
  }

  // ------------------------------------------------------------------ emission

  emit(op: string, inputs: readonly number[], attrs: Attrs, site: EmitSite, regions?: readonly Region[]): number {
    try {
      return this.builder.emit(op, inputs, attrs, site.span, regions);
    } catch (e) {
      if (!(e instanceof BuildError)) throw e;
      const labels: Label[] = [];
      for (const i of e.detail.operands ?? []) {
        const span = site.operandSpans?.[i];
        if (span) labels.push({ span, message: `this is ${describeType(this.builder.typeOf(inputs[i]))}` });
      }
      if (site.declSpan) labels.push({ span: site.declSpan, message: "declared here" });
      const message = site.who ? `in \`${site.who}\`: ${e.detail.error}` : e.detail.error;
      return this.reporter.fail("E302", message, site.span, { labels });
    }
  }

  tensor(op: string, inputs: readonly number[], attrs: Attrs, site: EmitSite): TensorValue {
    const id = this.emit(op, inputs, attrs, site);
    const type = this.builder.typeOf(id);
    if (type.kind !== "tensor") throw new Error(`internal: ${op} did not produce a tensor`);
    return { kind: "tensor", id, type };
  }

  graph(op: string, inputs: readonly number[], attrs: Attrs, site: EmitSite): GraphValue {
    const id = this.emit(op, inputs, attrs, site);
    const type = this.builder.typeOf(id);
    if (type.kind !== "graph") throw new Error(`internal: ${op} did not produce a graph`);
    return { kind: "graph", id, type };
  }

  constant(value: number, span: Span): TensorValue {
    return this.tensor("t.const", [], { value }, { span });
  }

  /**
   * A fresh RNG stream: one `s.rng_fold` per random site, salted by its order of emission, with the
   * index of every enclosing stack loop folded in, so each iteration draws its own numbers.
   * (RevGNN shares one mask across blocks on purpose: `dropout_mask` outside the stack.)
   */
  freshRng(span: Span): number {
    this.rngUsed = true;
    let id = this.emit("s.rng_fold", [this.rngLeaf!], { salt: this.nextSalt++ }, { span });
    for (const r of this.regions) id = this.emit("s.rng_fold", [id, r.index], { salt: 0 }, { span });
    return id;
  }

  /** Read a parameter; inside untied stacks, the slice of the current iteration. */
  param(name: string, span: Span): TensorValue {
    const updated = this.regions.length === 0 ? this.bufferUpdates.get(name) : undefined;
    const leaf = updated ?? this.paramLeaves.get(name);
    if (leaf === undefined) throw new Error(`internal: no parameter ${name}`);
    const frame = this.regions[this.regions.length - 1];
    const memo = frame?.memo.get(name);
    if (memo !== undefined) return this.tensorOf(memo);
    let id = leaf;
    for (const r of this.regions) {
      if (r.stacked && name.startsWith(r.prefix + ".")) id = this.emit("t.select", [id, r.index], { axis: 0 }, { span });
    }
    frame?.memo.set(name, id);
    return this.tensorOf(id);
  }

  tensorOf(id: number): TensorValue {
    const type = this.builder.typeOf(id);
    if (type.kind !== "tensor") throw new Error(`internal: %${id} is not a tensor`);
    return { kind: "tensor", id, type };
  }

  /** Emit a loop body in which parameters under `prefix` are per-iteration slices (unless tied). */
  inRegion<T>(prefix: string, index: number, stacked: boolean, body: () => T): T {
    this.regions.push({ prefix, index, stacked, memo: new Map() });
    try {
      return body();
    } finally {
      this.regions.pop();
    }
  }

  /** Elaborate a block's `message` over graph `g` (edge functions see it through LayerContext.messageGraph). */
  inMessage<T>(g: GraphValue, body: () => T): T {
    this.messageGraphs.push(g);
    try {
      return body();
    } finally {
      this.messageGraphs.pop();
    }
  }

  // ------------------------------------------------------------------ calls

  /** Call an instance under the parameter path `path`; `display` names it in messages (`conv2`). */
  callInstance(inst: Instance, path: string, display: string, args: readonly ArgInput[], callSpan: Span): Value {
    switch (inst.kind) {
      case "layer":
        return this.callLayer(inst, path, display, args, callSpan);
      case "block":
        return runForward(this, inst, path, display, args, callSpan);
      case "stack":
        return callStack(this, inst, path, display, args, callSpan);
    }
  }

  private callLayer(inst: LayerInstance, path: string, display: string, args: readonly ArgInput[], callSpan: Span): Value {
    const def = inst.layer;
    const declared = typeof def.inputs === "function" ? def.inputs(inst.args) : def.inputs;
    const sig = { name: display, params: declared.map((i) => ({ name: i.name, kind: i.kind, optional: i.optional })) };
    const site = { reporter: this.reporter, callSpan, declSpan: inst.span };
    checkInputCount(sig, args, site);
    const bound = bindArgs(sig, args, site);
    const inputs = declared.map((i) => bound.get(i.name)?.value);
    const inputSpans = declared.map((i) => bound.get(i.name)?.span ?? callSpan);
    const ctx = this.layerContext({ who: display, typeName: inst.typeName, path, callSpan, declSpan: inst.span, inputs, inputSpans, instance: inst });
    return def.expand(ctx, inst.args, inputs);
  }

  /** Apply a built-in function (`relu`, `dropout`, …) to already evaluated arguments. */
  callFunction(fn: FunctionDef, args: readonly ArgInput[], callSpan: Span): Value {
    const bound = bindArgs(fn.signature, args, { reporter: this.reporter, callSpan });
    const ctx = this.layerContext({ who: fn.signature.name, typeName: fn.signature.name, path: "", callSpan, declSpan: callSpan, inputs: [], inputSpans: [] });
    return fn.apply(ctx, bound);
  }

  private layerContext(c: {
    who: string;
    typeName: string;
    path: string;
    callSpan: Span;
    declSpan: Span;
    inputs: readonly (Value | undefined)[];
    inputSpans: readonly Span[];
    instance?: LayerInstance;
  }): LayerContext {
    // Ops of a layer's expansion carry the call's span; their errors also point at the declaration.
    const site: EmitSite = { span: c.callSpan, who: c.who, ...(c.instance ? { declSpan: c.declSpan } : {}) };
    const el = this;
    return {
      training: this.training,
      inLoop: this.inLoop,
      messageGraph: this.messageGraphs[this.messageGraphs.length - 1],
      loopIndex: this.regions.length ? this.tensorOf(this.regions[this.regions.length - 1].index) : undefined,
      callSpan: c.callSpan,
      declSpan: c.declSpan,
      tensor: (op, inputs, attrs = {}) => this.tensor(op, inputs, attrs, site),
      graph: (op, inputs, attrs = {}) => this.graph(op, inputs, attrs, site),
      constant: (value) => this.constant(value, c.callSpan),
      param: (local) => this.param(joinPath(c.path, local), c.callSpan),
      rng: () => this.freshRng(c.callSpan),
      updateBuffer(local, value) {
        if (el.inLoop) {
          el.reporter.fail("E313", `\`${c.who}\` (${c.typeName}) cannot update its running statistics inside a stack yet`, c.callSpan, {
            labels: [{ span: c.declSpan, message: "declared here" }],
            help: "use LayerNorm inside stacks, or pass `track_running_stats = false`",
          });
        }
        el.bufferUpdates.set(joinPath(c.path, local), value.id);
      },
      expectWidth: (index, width, argName) => this.expectWidth(c, index, width, argName),
      callChild: (argName, inputs) => {
        const child = c.instance?.args.get(argName)?.value;
        if (child?.kind !== "module") throw new Error(`internal: ${argName} is not a module argument`);
        const childArgs = inputs.map((value) => ({ value, span: c.callSpan }));
        return this.callInstance(child.instance, joinPath(c.path, argName), `${c.who}.${argName}`, childArgs, c.callSpan);
      },
      callNamed: (name, instance, inputs) => {
        const childArgs = inputs.map((value) => ({ value, span: c.callSpan }));
        return this.callInstance(instance, joinPath(c.path, name), `${c.who}.${name}`, childArgs, c.callSpan);
      },
      fail: (code, message, extra: DiagExtra = {}) => this.reporter.fail(code, message, c.callSpan, extra),
    };
  }

  /** A layer's input must be a node-feature matrix `[rows, width]`: two-location error otherwise. */
  private expectWidth(
    c: { who: string; typeName: string; declSpan: Span; callSpan: Span; inputs: readonly (Value | undefined)[]; inputSpans: readonly Span[] },
    index: number,
    width: Dim,
    argName: string,
  ): void {
    const x = c.inputs[index];
    if (x?.kind !== "tensor") throw new Error("internal: expectWidth on a non-tensor input");
    const shape = x.type.shape;
    if (shape.length === 2 && shape[1] === width) return;
    const expected = `${x.type.dtype}${formatShape([shape.length >= 1 ? shape[0] : "N", width])}`;
    const found = formatTensorType(x.type);
    const fix =
      shape.length === 2
        ? `make the input ${width} wide, or declare \`${c.who}\` with ${argName} = ${shape[1]}`
        : "layers take a node-feature matrix [nodes, channels]";
    const at = c.inputSpans[index] ?? c.callSpan;
    this.reporter.fail("E301", `\`${c.who}\` expects ${expected}, found ${found}`, at, {
      labels: [
        { span: at, message: `this is ${found}` },
        { span: c.declSpan, message: `\`${c.who}\` expects ${expected} (${argName} = ${width})` },
      ],
      help: fix,
    });
  }
}

export function describeType(t: Type): string {
  if (t.kind === "tensor") return formatTensorType(t);
  if (t.kind === "graph") return `graph[${t.nodes}]`;
  return "rng";
}

