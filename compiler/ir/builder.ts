import type { Span } from "../../grammar/span.js";
import { getOpSpec } from "./ops/index.js";
import { isInferError, type InferError } from "./spec.js";
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

/**
 * Builds one function, inferring every node's type from the op spec table as it goes.
 * Nested regions are built with `region`, which opens a fresh body sharing the id counter.
 */
export class FuncBuilder {
  private nextId = 0;
  private readonly bodies: Node[][] = [[]];
  private readonly types = new Map<number, Type>();

  constructor(readonly name: string) {}

  typeOf(id: number): Type {
    const t = this.types.get(id);
    if (!t) throw new Error(`builder: unknown value %${id}`);
    return t;
  }

  /** Append a node; returns its id. Throws BuildError when type inference fails. */
  emit(op: string, inputs: readonly number[], attrs: Attrs = {}, span?: Span, regions?: readonly Region[]): number {
    const spec = getOpSpec(op);
    if (!spec) throw new BuildError(op, { error: `unknown op ${op}` }, span);
    const full = withDefaults(op, attrs);
    const type = spec.infer(
      inputs.map((i) => this.typeOf(i)),
      full,
      regions,
    );
    if (isInferError(type)) throw new BuildError(op, type, span);
    return this.push({ op, type, inputs, attrs: full, span, regions });
  }

  /** Append a node whose type is given rather than inferred (leaves such as `s.input`). */
  leaf(op: string, type: Type, attrs: Attrs = {}, span?: Span): number {
    return this.push({ op, type, inputs: [], attrs: withDefaults(op, attrs), span });
  }

  /** Build a nested region whose parameters have the given types. */
  region(paramTypes: readonly Type[], build: (params: number[]) => number[], span?: Span): Region {
    this.bodies.push([]);
    const params: Node[] = paramTypes.map((type, index) => {
      const id = this.nextId++;
      this.types.set(id, type);
      return { id, op: "s.arg", type, inputs: [], attrs: { index }, span };
    });
    let results: number[];
    try {
      results = build(params.map((p) => p.id));
    } catch (e) {
      this.bodies.pop(); // leave the builder usable after a BuildError inside a region
      throw e;
    }
    const body = this.bodies.pop()!;
    return { params, body, results };
  }

  finish(results: readonly number[], resultNames: readonly string[]): Func {
    if (this.bodies.length !== 1) throw new Error("builder: unfinished region");
    return { name: this.name, body: this.bodies[0], results, resultNames };
  }

  private push(n: Omit<Node, "id">): number {
    const id = this.nextId++;
    const node: Node = Object.freeze({ id, ...n, span: n.span });
    this.types.set(id, n.type);
    this.bodies[this.bodies.length - 1].push(node);
    return id;
  }
}
