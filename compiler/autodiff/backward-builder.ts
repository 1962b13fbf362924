import type { Span } from "../../grammar/span.js";
import { BuildError, withDefaults } from "../ir/builder.js";
import { getOpSpec } from "../ir/ops/index.js";
import { isInferError, type VjpBuilder } from "../ir/spec.js";
import type { Attrs, Node, Type } from "../ir/types.js";

/**
 * Where the backward half is built: fresh ids above the forward's, every node's type inferred from
 * the op spec table, and every node stamped with the span of the forward node being differentiated
 * (so errors in backward kernels still point at the `.gnn` text).
 */
export class BackwardBuilder implements VjpBuilder {
  readonly nodes: Node[] = [];
  private readonly types = new Map<number, Type>();
  private span: Span | undefined;

  constructor(
    forwardTypes: ReadonlyMap<number, Type>,
    private nextId: number,
  ) {
    for (const [id, t] of forwardTypes) this.types.set(id, t);
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

  emit(op: string, inputs: readonly number[], attrs: Attrs = {}): number {
    const spec = getOpSpec(op);
    if (!spec) throw new BuildError(op, { error: `unknown op ${op}` }, this.span);
    const full = withDefaults(op, attrs);
    const type = spec.infer(
      inputs.map((i) => this.typeOf(i)),
      full,
    );
    if (isInferError(type)) throw new BuildError(op, type, this.span);
    const id = this.nextId++;
    this.types.set(id, type);
    this.nodes.push(Object.freeze({ id, op, type, inputs: [...inputs], attrs: full, span: this.span }));
    return id;
  }
}
