import type { Span } from "../../grammar/span.js";
import { BuildError, withDefaults } from "../ir/builder.js";
import { getOpSpec } from "../ir/ops/index.js";
import { isInferError, type VjpBuilder } from "../ir/spec.js";
import type { Attrs, Node, Region, Type } from "../ir/types.js";

/**
 * Where the backward half is built: fresh ids above the forward's, every node's type inferred from
 * the op spec table, and every node stamped with the span of the forward node being differentiated
 * (so errors in backward kernels still point at the `.gnn` text). Nodes go to the innermost open
 * region (a backward loop's body) or, outside any, to the top level.
 */
export class BackwardBuilder implements VjpBuilder {
  readonly nodes: Node[] = [];
  private readonly open: Node[][] = [this.nodes];
  private readonly types = new Map<number, Type>();
  private readonly built = new Map<number, Node>();
  private span: Span | undefined;
  /** Forward loops whose per-iteration inputs the backward reads: loop id → stash id (see stash.ts). */
  readonly stashes = new Map<number, number>();

  /** `forward`: the function's top-level nodes (their types are known; loops among them can be stashed). */
  constructor(
    forward: readonly Node[],
    private nextId: number,
  ) {
    const visit = (nodes: readonly Node[]) => {
      for (const n of nodes) {
        this.types.set(n.id, n.type);
        for (const r of n.regions ?? []) visit([...r.params, ...r.body]);
      }
    };
    visit(forward);
    this.forwardIds = new Set(forward.map((n) => n.id));
  }

  private readonly forwardIds: ReadonlySet<number>;

  isForwardTopLevel(id: number): boolean {
    return this.forwardIds.has(id);
  }

  /** Stamp the nodes emitted from now on with `span`. */
  at(span: Span | undefined): this {
    this.span = span;
    return this;
  }

  typeOf(id: number): Type {
    const t = this.types.get(id);
    if (!t) throw new Error(`backward: unknown value %${id}`);
    return t;
  }

  /** The backward node that defines `id` (undefined for forward values and region params). */
  nodeOf(id: number): Node | undefined {
    return this.built.get(id);
  }

  /** A fresh id of type `type`, for a node the caller builds itself. */
  fresh(type: Type): number {
    const id = this.nextId++;
    this.types.set(id, type);
    return id;
  }

  emit(op: string, inputs: readonly number[], attrs: Attrs = {}, regions?: readonly Region[]): number {
    const spec = getOpSpec(op);
    if (!spec) throw new BuildError(op, { error: `unknown op ${op}` }, this.span);
    const full = withDefaults(op, attrs);
    const type = spec.infer(
      inputs.map((i) => this.typeOf(i)),
      full,
      regions,
    );
    if (isInferError(type)) throw new BuildError(op, type, this.span);
    const id = this.fresh(type);
    this.push({ id, op, type, inputs: [...inputs], attrs: full, span: this.span, ...(regions ? { regions } : {}) });
    return id;
  }

  /** Append an already typed node (a clone of a forward node) to the innermost open body. */
  push(node: Node): void {
    this.types.set(node.id, node.type);
    this.built.set(node.id, node);
    this.open[this.open.length - 1].push(Object.freeze(node));
  }

  /** Build a region: `s.arg` params of the given types, a body of what `build` emits, its results. */
  region(paramTypes: readonly Type[], build: (params: number[]) => number[]): Region {
    const params = paramTypes.map((type, index): Node => Object.freeze({ id: this.fresh(type), op: "s.arg", type, inputs: [], attrs: { index }, span: this.span }));
    const body: Node[] = [];
    this.open.push(body);
    try {
      return { params, body, results: build(params.map((p) => p.id)) };
    } finally {
      this.open.pop();
    }
  }

  /**
   * An `s.loop` carrying `inits`, its body built by `build(i, carried)`; returns the final carried
   * values (taken out of the loop's tuple with `s.get` when there are several).
   */
  loop(inits: readonly number[], attrs: Attrs, build: (index: number, carried: number[]) => number[]): number[] {
    const index: Type = { kind: "tensor", dtype: "i32", shape: [] };
    const region = this.region([index, ...inits.map((id) => this.typeOf(id))], ([i, ...carried]) => build(i, carried));
    const loop = this.emit("s.loop", inits, attrs, [region]);
    return inits.length === 1 ? [loop] : inits.map((_, k) => this.emit("s.get", [loop], { index: k }));
  }
}
