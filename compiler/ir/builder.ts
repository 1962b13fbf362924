import type { Span } from "../../grammar/span.js";
import { getOpSpec } from "./ops/index.js";
import { maxId } from "./reads.js";
import { isInferError, type InferError, type VjpBuilder } from "./spec.js";
import type { AttrValue, Attrs, Func, Node, Region, Type } from "./types.js";

/** Thrown by the builder when an op's type inference rejects its inputs; the frontend turns it into a diagnostic. */
export class BuildError extends Error {
  constructor(
    readonly op: string,
    readonly detail: InferError,
    readonly span?: Span,
  ) {
    super(`${op}: ${detail.error}`);
  }
}

/** Attrs with the spec's defaults filled in, in the spec's declaration order (stable printing). */
export function withDefaults(op: string, attrs: Attrs): Attrs {
  const spec = getOpSpec(op);
  if (!spec) return attrs;
  const out: Record<string, AttrValue> = {};
  for (const [k, schema] of Object.entries(spec.attrs)) {
    if (k in attrs) out[k] = attrs[k];
    else if (schema.default !== undefined) out[k] = schema.default;
  }
  for (const k of Object.keys(attrs)) if (!(k in out)) out[k] = attrs[k];
  return out;
}

const INDEX: Type = { kind: "tensor", dtype: "i32", shape: [] };

/**
 * Builds one function, inferring every node's type from the op spec table as it goes. It starts
 * empty, or from a `base` function whose nodes it keeps as they are: new ids start above every id
 * the base uses (regions included), so the frontend, the training lowering and autodiff all number
 * their nodes the same way. Nodes go to the innermost open region (see `region`), else to the top
 * level after the base's. Each node carries the span given to `emit`, else the one set by `at`.
 */
export class FuncBuilder implements VjpBuilder {
  /** The top-level nodes built here, in order (the base's not included). */
  readonly added: Node[] = [];
  private readonly open: Node[][] = [this.added];
  private readonly types = new Map<number, Type>();
  private readonly built = new Map<number, Node>();
  private readonly baseTopLevel: ReadonlySet<number>;
  private nextId: number;
  private span: Span | undefined;

  /**
   * `base`'s nodes stay first in `finish` unless `rebuild` is set: then the builder only knows the
   * base's values and numbers above them, and the body is what is appended (see ir/rewrite.ts).
   */
  constructor(
    readonly name: string,
    private readonly base?: Func,
    private readonly rebuild = false,
  ) {
    const visit = (nodes: readonly Node[]) => {
      for (const n of nodes) {
        this.types.set(n.id, n.type);
        for (const r of n.regions ?? []) visit([...r.params, ...r.body]);
      }
    };
    visit(base?.body ?? []);
    this.baseTopLevel = new Set(base?.body.map((n) => n.id));
    this.nextId = base ? maxId(base) + 1 : 0;
  }

  /** Stamp the nodes built from now on with `span` (when `emit` is given none). */
  at(span: Span | undefined): this {
    this.span = span;
    return this;
  }

  typeOf(id: number): Type {
    const t = this.types.get(id);
    if (!t) throw new Error(`builder: unknown value %${id}`);
    return t;
  }

  /** The node this builder built for `id` (undefined for the base's values and region params). */
  nodeOf(id: number): Node | undefined {
    return this.built.get(id);
  }

  /** Whether `id` is a top-level node of the base function. */
  isBaseTopLevel(id: number): boolean {
    return this.baseTopLevel.has(id);
  }

  /** The base's or an added top-level leaf `op{name}`, if there is one. */
  findLeaf(op: "s.input" | "s.param", name: string): number | undefined {
    return [...(this.base?.body ?? []), ...this.added].find((n) => n.op === op && n.attrs.name === name)?.id;
  }

  /** A fresh id of type `type`, for a node the caller builds itself (see `append`). */
  fresh(type: Type): number {
    const id = this.nextId++;
    this.types.set(id, type);
    return id;
  }

  /** Append a node; returns its id. Throws BuildError when type inference fails. */
  emit(op: string, inputs: readonly number[], attrs: Attrs = {}, span: Span | undefined = this.span, regions?: readonly Region[]): number {
    const spec = getOpSpec(op);
    if (!spec) throw new BuildError(op, { error: `unknown op ${op}` }, span);
    const full = withDefaults(op, attrs);
    const type = spec.infer(
      inputs.map((i) => this.typeOf(i)),
      full,
      regions,
    );
    if (isInferError(type)) throw new BuildError(op, type, span);
    const id = this.fresh(type);
    this.append({ id, op, type, inputs: [...inputs], attrs: full, span, ...(regions ? { regions } : {}) });
    return id;
  }

  /** Append a node whose type is given rather than inferred (leaves such as `s.input`). */
  leaf(op: string, type: Type, attrs: Attrs = {}, span: Span | undefined = this.span): number {
    const id = this.fresh(type);
    this.append({ id, op, type, inputs: [], attrs: withDefaults(op, attrs), span });
    return id;
  }

  /** Append an already typed node (a clone of another, its id from `fresh`) to the innermost open body. */
  append(node: Node): void {
    this.types.set(node.id, node.type);
    this.built.set(node.id, node);
    this.open[this.open.length - 1].push(Object.freeze(node));
  }

  /** Append what `build` emits to `body` instead of the innermost open body (a region being rebuilt). */
  into<T>(body: Node[], build: () => T): T {
    this.open.push(body);
    try {
      return build();
    } finally {
      this.open.pop();
    }
  }

  /** Build a region: `s.arg` params of the given types, a body of what `build` emits, its results. */
  region(paramTypes: readonly Type[], build: (params: number[]) => number[], span: Span | undefined = this.span): Region {
    const params = paramTypes.map((type, index): Node => Object.freeze({ id: this.fresh(type), op: "s.arg", type, inputs: [], attrs: { index }, span }));
    const body: Node[] = [];
    this.open.push(body);
    try {
      return { params, body, results: build(params.map((p) => p.id)) };
    } finally {
      this.open.pop(); // leaves the builder usable after a BuildError inside a region
    }
  }

  /**
   * An `s.loop` carrying `inits`, its body built by `build(i, carried)`; returns the final carried
   * values (taken out of the loop's tuple with `s.get` when there are several).
   */
  loop(inits: readonly number[], attrs: Attrs, build: (index: number, carried: number[]) => number[]): number[] {
    const region = this.region([INDEX, ...inits.map((id) => this.typeOf(id))], ([i, ...carried]) => build(i, carried));
    const loop = this.emit("s.loop", inits, attrs, this.span, [region]);
    return inits.length === 1 ? [loop] : inits.map((_, k) => this.emit("s.get", [loop], { index: k }));
  }

  /** The function: the base's nodes, then the added ones. */
  finish(results: readonly number[], resultNames: readonly string[]): Func {
    if (this.open.length !== 1) throw new Error("builder: unfinished region");
    const kept = this.rebuild ? [] : (this.base?.body ?? []);
    return { name: this.name, body: [...kept, ...this.added], results: [...results], resultNames: [...resultNames] };
  }
}
