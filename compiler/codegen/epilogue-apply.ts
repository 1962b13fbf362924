import { evalDim } from "../ir/dims.js";
import type { Node, TensorType, Type } from "../ir/types.js";
import type { BindingList } from "./bindings.js";
import { broadcastIndices, type BroadcastPlan } from "./broadcast-index.js";
import { CodegenError, tensorResult } from "./emit-context.js";
import { maskLines } from "./fused.js";
import { fusedBody, type FusedBody } from "./fused-body.js";
import { PHILOX_WGSL } from "./philox.js";
import { VEC4_LANES, type SizeTable } from "./wgsl.js";

/**
 * The epilogue of `t.matmul_epilogue` / `g.spmm_epilogue` inside the producer's kernel: the
 * region's function (fused-body.ts, the same WGSL `t.fused` uses) applied to each value right
 * before it is stored. Region param 0 is the value; extra operand k (region param k ≥ 1) is bound
 * as `p<k>` and read through its broadcast index from the element's flat index `e` in the result
 * (broadcast-index.ts), and dropout draws its mask by that same index, exactly as the t.fused
 * kernel and the interpreter do (one Philox block per four consecutive elements).
 *
 * A producer kernel stores either a vec4 of four consecutive elements starting at a multiple of 4,
 * or one element. For a vec4 the indices are computed once when every vec4 lies inside one row of
 * every operand (the innermost broadcast axis is a known multiple of 4), else lane by lane.
 */


export interface KernelEpilogue {
  /** Helper functions the kernel module must declare. */
  helpers: readonly string[];
  /** The region's ops, for the kernel's header comment. */
  ops: string;
  /**
   * A block that applies the epilogue to `value` — a vec4 of the elements from flat index `e`
   * (a multiple of 4) when `lanes` is 4, else the element at `e` — and stores the result with
   * `store(result)`. Lines are indented by `indent`.
   */
  apply(lanes: 1 | 4, e: string, value: string, store: (result: string) => string, indent: string): string;
}

/**
 * What a producer's emitter calls once its own sizes are declared, with its binding list just
 * before the output binding: declares the epilogue's sizes, binds its operands, returns the code
 * generator. Producer emitters take it as an optional last argument.
 */
export type EpilogueHook = (sizes: SizeTable, list: BindingList) => KernelEpilogue;

/** The hook of an epilogue node whose extra operands start at operand `first`. */
export function epilogueHook(node: Node, inputs: readonly Type[], first: number, symbols: Readonly<Record<string, number>>): EpilogueHook {
  const region = node.regions?.[0];
  if (!region) throw new CodegenError(node.op, "has no epilogue region", node.span);
  const out = tensorResult(node);
  if (out.dtype !== "f32") throw new CodegenError(node.op, `only f32 has a kernel, got ${out.dtype}`, node.span);
  const body = fusedBody(node, region, "f32");
  const operandOf = (k: number) => first + k - 1; // region param k ≥ 1 is node operand first + k − 1
  const extras = body.tensorArgs.filter((k) => k > 0);
  extras.forEach((k) => {
    if (inputs[operandOf(k)]?.kind !== "tensor") throw new CodegenError(node.op, `epilogue operand ${operandOf(k)} must be a tensor`, node.span);
  });
  return (sizes, list) => {
    region.params.forEach((p, k) => {
      if (k > 0) list.add(`p${k}`, "read", p.type.kind === "rng" ? "array<u32>" : "array<f32>", { kind: "input", input: operandOf(k) });
    });
    const plan = extras.length
      ? broadcastIndices(out.shape, extras.map((k) => (inputs[operandOf(k)] as TensorType).shape), extras.map((k) => `p${k}i`), sizes)
      : undefined;
    const inner = plan?.innermost === undefined ? undefined : evalDim(plan.innermost, symbols);
    return new EpilogueCode(body, region.body.map((n) => n.op).join(" · "), extras, plan, inner !== undefined && inner % 4 === 0);
  };
}

class EpilogueCode implements KernelEpilogue {
  readonly helpers: readonly string[];

  constructor(
    private readonly body: FusedBody,
    readonly ops: string,
    private readonly extras: readonly number[],
    private readonly plan: BroadcastPlan | undefined,
    /** Whether a vec4 unit lies in one row of every operand (indices once per unit). */
    private readonly rowAligned: boolean,
  ) {
    this.helpers = [...body.helpers, ...(body.dropouts.length ? [PHILOX_WGSL] : []), body.fn];
  }

  apply(lanes: 1 | 4, e: string, value: string, store: (result: string) => string, indent: string): string {
    const lines = lanes === 4 ? this.vec4Lines(e, value, store) : [`let e = ${e};`, `let prod = ${value};`, ...this.scalarLines("prod", store)];
    return [`{`, ...lines.map((l) => `  ${l}`), `}`].map((l) => `${indent}${l}`).join("\n");
  }

  /** Statements loading element e of every extra operand and drawing its masks, then storing the result for `value`. */
  private scalarLines(value: string, store: (result: string) => string): string[] {
    const loads = this.extras.map((k) => `let p${k}v = p${k}[p${k}i];`);
    const masks = this.body.dropouts.flatMap((d, j) => maskLines(d, j, 1));
    return [...this.indexLines(), ...loads, ...masks, store(this.call(value, (k) => `p${k}v`, (j) => `m${j}`))];
  }

  private vec4Lines(e: string, value: string, store: (result: string) => string): string[] {
    if (!this.rowAligned && this.extras.length) {
      // Lane by lane: each lane's indices of its own.
      return [
        `let prod = ${value};`,
        `var res = vec4<f32>(0.0);`,
        ...VEC4_LANES.flatMap((lane, l) => [
          `{`,
          ...[`let e = ${e} + ${l}u;`, ...this.scalarLines(`prod.${lane}`, (r) => `res.${lane} = ${r};`)].map((s) => `  ${s}`),
          `}`,
        ]),
        store("res"),
      ];
    }
    const contiguous = (k: number) => this.plan!.contiguous[this.extras.indexOf(k)];
    const loads = this.extras.map((k) =>
      contiguous(k)
        ? `let p${k}v = vec4<f32>(${VEC4_LANES.map((_, l) => `p${k}[p${k}i${l ? ` + ${l}u` : ""}]`).join(", ")});`
        : `let p${k}v = vec4<f32>(p${k}[p${k}i]);`,
    );
    const masks = this.body.dropouts.flatMap((d, j) => maskLines(d, j, 4));
    const calls = VEC4_LANES.map((lane) => this.call(`prod.${lane}`, (k) => `p${k}v.${lane}`, (j) => `m${j}.${lane}`));
    return [
      `let e = ${e};`,
      `let prod = ${value};`,
      ...this.indexLines(),
      ...loads,
      ...(masks.length ? [`let q = e / 4u;`, ...masks] : []),
      store(`vec4<f32>(${calls.join(", ")})`),
    ];
  }

  private indexLines(): string[] {
    return this.plan && this.plan.code !== "" ? this.plan.code.split("\n") : [];
  }

  /** `gnnc_fused(…)`: the product, then the tensor extras, then the masks, in fused-body's argument order. */
  private call(value: string, extra: (k: number) => string, mask: (j: number) => string): string {
    const args = [...this.body.tensorArgs.map((k) => (k === 0 ? value : extra(k))), ...this.body.dropouts.map((_, j) => mask(j))];
    return `gnnc_fused(${args.join(", ")})`;
  }
}
