import type { Span } from "../../grammar/span.js";
import { BuildError, withDefaults } from "../ir/builder.js";
import { getOpSpec } from "../ir/ops/index.js";
import { isInferError } from "../ir/spec.js";
import { maxId } from "../ir/reads.js";
import type { Attrs, Func, Node, Type } from "../ir/types.js";

/**
 * Extends an existing function with new nodes: ids above every existing one (ids stay unique and
 * the original nodes are reused as they are), types inferred from the op spec table.
 */
export class FuncAppender {
  private readonly nodes: Node[];
  private readonly types = new Map<number, Type>();
  private nextId: number;

  constructor(base: Func) {
    this.nodes = [...base.body];
    for (const n of base.body) this.types.set(n.id, n.type);
    this.nextId = maxId(base) + 1;
  }

  typeOf(id: number): Type {
    const t = this.types.get(id);
    if (!t) throw new Error(`train lowering: unknown value %${id}`);
    return t;
  }

  /** Append an op node; throws BuildError when the op rejects its inputs. */
  emit(op: string, inputs: readonly number[], attrs: Attrs = {}, span?: Span): number {
    const spec = getOpSpec(op);
    if (!spec) throw new BuildError(op, { error: `unknown op ${op}` }, span);
    const full = withDefaults(op, attrs);
    const type = spec.infer(
      inputs.map((i) => this.typeOf(i)),
      full,
    );
    if (isInferError(type)) throw new BuildError(op, type, span);
    return this.push({ op, type, inputs: [...inputs], attrs: full, span });
  }

  /** Append a leaf (`s.input`, `s.param`) of a given type. */
  leaf(op: "s.input" | "s.param", name: string, type: Type, span?: Span): number {
    return this.push({ op, type, inputs: [], attrs: { name }, span });
  }

  /** The existing leaf `op{name}` if the function has one, else a new one. */
  leafOnce(op: "s.input" | "s.param", name: string, type: Type, span?: Span): number {
    const found = this.nodes.find((n) => n.op === op && n.attrs.name === name);
    return found ? found.id : this.leaf(op, name, type, span);
  }

  finish(name: string, results: readonly number[], resultNames: readonly string[]): Func {
    return { name, body: this.nodes, results: [...results], resultNames: [...resultNames] };
  }

  private push(n: Omit<Node, "id">): number {
    const id = this.nextId++;
    this.types.set(id, n.type);
    this.nodes.push(Object.freeze({ id, ...n }));
    return id;
  }
}
