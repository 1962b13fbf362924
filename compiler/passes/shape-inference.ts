import { error, type Diagnostic, type Label } from "../../grammar/diagnostics.js";
import { placeholderSpan, type Span } from "../../grammar/span.js";
import { withDefaults } from "../ir/builder.js";
import { getOpSpec } from "../ir/ops/index.js";
import { LEAF_OPS } from "../ir/ops/struct.js";
import { isInferError } from "../ir/spec.js";
import { formatType, typesEqual } from "../ir/type-utils.js";
import type { Func, Node, ParamInfo, Region, Type } from "../ir/types.js";
import { PASS_CODES } from "./codes.js";
import { nodesById, rebuildRegion } from "../ir/walk.js";
import type { Pass } from "./pass.js";
import { paramName } from "../ir/struct-views.js";

interface ShapeInferenceOptions {
  update: boolean;
}

/**
 * Re-infer every node's type from the op spec table, region bodies included, and compare it with
 * the stored type. Inferred types propagate, so a wrong type is caught where it arises. Only root
 * causes are reported: a node whose type is wrong merely because an input's was is counted, not
 * listed. With `update`, the module is rewritten with the inferred types (each change is a note).
 */
export const shapeInference: Pass<ShapeInferenceOptions> = {
  name: "shape-inference",
  description: "Re-infer every node's type from the op spec table and report nodes whose stored type disagrees.",
  options: {
    update: {
      kind: "bool",
      default: false,
      doc: "replace disagreeing stored types with the inferred ones (notes) instead of reporting errors",
    },
  },
  provides: ["shapes-inferred"],
  run(module, ctx, options) {
    const diagnostics: Diagnostic[] = [];
    const params = new Map(module.params.map((p) => [p.name, p]));
    let changedTypes = 0;
    const funcs = module.funcs.map((func) => {
      const r = new FuncInference(func, params, options.update, module.span ?? ctx.span ?? placeholderSpan());
      const out = r.run();
      diagnostics.push(...r.diagnostics);
      changedTypes += r.changedTypes;
      return out;
    });
    if (!options.update || changedTypes === 0) return { module, changed: false, diagnostics };
    ctx.log(`shape-inference: updated ${changedTypes} type(s)`);
    return { module: { ...module, funcs }, changed: true, diagnostics };
  },
};

class FuncInference {
  readonly diagnostics: Diagnostic[] = [];
  changedTypes = 0;
  /** Inferred type of every value seen so far. */
  private readonly inferred = new Map<number, Type>();
  private readonly nodes: Map<number, Node>;
  private consequences = 0;

  constructor(
    private readonly func: Func,
    private readonly params: ReadonlyMap<string, ParamInfo>,
    private readonly update: boolean,
    private readonly fallbackSpan: Span,
  ) {
    this.nodes = nodesById(func);
  }

  run(): Func {
    const body = this.visitBody(this.func.body);
    if (this.consequences > 0 && !this.update) {
      this.diagnostics.push({
        code: PASS_CODES.typeMismatch.code,
        severity: "note",
        message: `${this.consequences} more node(s) in \`${this.func.name}\` disagree only because of the error(s) above`,
        span: this.fallbackSpan,
      });
    }
    return { ...this.func, body };
  }

  private visitBody(nodes: readonly Node[]): Node[] {
    return nodes.map((n) => this.visitNode(n));
  }

  private visitNode(n: Node): Node {
    const regions = n.regions?.map((r) => this.visitRegion(r));
    const type = this.inferNode(n, regions);
    this.inferred.set(n.id, type);
    const sameRegions = regions === undefined || regions.every((r, i) => r === n.regions![i]);
    if (typesEqual(type, n.type) && sameRegions) return n;
    const copy: Node = regions === undefined ? { ...n, type } : { ...n, type, regions };
    return Object.freeze(copy);
  }

  private visitRegion(r: Region): Region {
    for (const p of r.params) this.inferred.set(p.id, p.type);
    const body = this.visitBody(r.body);
    return rebuildRegion(r, body, r.results);
  }

  /** The inferred type of `n`; reports a diagnostic and falls back to the stored type when inference fails. */
  private inferNode(n: Node, regions: readonly Region[] | undefined): Type {
    if (LEAF_OPS.has(n.op)) {
      if (paramName(n) !== undefined) this.checkParam(n);
      return n.type;
    }
    const spec = getOpSpec(n.op);
    if (!spec) {
      this.diagnostics.push(error(PASS_CODES.unknownOp.code, `%${n.id} uses unknown op \`${n.op}\``, this.spanOf(n)));
      return n.type;
    }
    const inputTypes = n.inputs.map((i) => this.inferred.get(i) ?? this.nodes.get(i)?.type);
    if (inputTypes.some((t) => t === undefined)) return n.type; // dangling input: the verifier's to report
    const result = spec.infer(inputTypes as Type[], withDefaults(n.op, n.attrs), regions);
    if (isInferError(result)) {
      const labels: Label[] = [];
      for (const pos of result.operands ?? []) {
        const input = this.nodes.get(n.inputs[pos]);
        if (input?.span) labels.push({ span: input.span, message: `operand ${pos}: ${formatType(inputTypes[pos]!)}` });
      }
      this.diagnostics.push(
        error(PASS_CODES.inferFailed.code, `%${n.id} = ${n.op}: ${result.error}`, this.spanOf(n), labels.length ? { labels } : {}),
      );
      return n.type;
    }
    if (!typesEqual(result, n.type)) this.reportMismatch(n, result);
    return result;
  }

  private reportMismatch(n: Node, inferred: Type): void {
    this.changedTypes++;
    const message = `%${n.id} = ${n.op} is stored as ${formatType(n.type)} but the op infers ${formatType(inferred)}`;
    if (this.update) {
      this.diagnostics.push({ code: PASS_CODES.typeMismatch.code, severity: "note", message: `${message}; updated`, span: this.spanOf(n) });
      return;
    }
    if (!this.isRootCause(n)) {
      this.consequences++;
      return;
    }
    this.diagnostics.push(error(PASS_CODES.typeMismatch.code, message, this.spanOf(n)));
  }

  /**
   * A mismatch is a root cause when every input's stored type was right, or when the stored inputs
   * imply yet another type (an independent mistake). A node whose stored type follows from its
   * wrong inputs, or cannot be inferred from them at all, inherited the mistake.
   */
  private isRootCause(n: Node): boolean {
    const stored = n.inputs.map((i) => this.nodes.get(i)?.type);
    const inheritedWrong = n.inputs.some((i, k) => {
      const t = this.inferred.get(i);
      return t !== undefined && stored[k] !== undefined && !typesEqual(t, stored[k]!);
    });
    if (!inheritedWrong || stored.some((t) => t === undefined)) return true;
    const local = getOpSpec(n.op)!.infer(stored as Type[], withDefaults(n.op, n.attrs), n.regions);
    return !isInferError(local) && !typesEqual(local, n.type);
  }

  private checkParam(n: Node): void {
    const name = n.attrs.name;
    const info = typeof name === "string" ? this.params.get(name) : undefined;
    if (!info) {
      const message = `%${n.id} = s.param names \`${String(name)}\`, which is not in the module's parameter table`;
      this.diagnostics.push(error(PASS_CODES.paramMismatch.code, message, this.spanOf(n)));
    } else if (!typesEqual(info.type, n.type)) {
      const message = `%${n.id} = s.param{name=${name}} is ${formatType(n.type)} but the parameter is ${formatType(info.type)}`;
      const labels = info.span ? [{ span: info.span, message: "parameter declared here" }] : undefined;
      this.diagnostics.push(error(PASS_CODES.paramMismatch.code, message, this.spanOf(n), labels ? { labels } : {}));
    }
  }

  private spanOf(n: Node): Span {
    return n.span ?? this.fallbackSpan;
  }
}
