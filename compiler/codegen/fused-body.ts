import { floatAttr } from "../ir/attrs.js";
import type { Node, Region } from "../ir/types.js";
import { CodegenError } from "./emit-context.js";
import { BINARY, UNARY, helperTexts, type HelperName, type Scalar } from "./elementwise-ops.js";

/**
 * The per-element function of a `t.fused` region: one WGSL `let` per region node, in region order,
 * over scalar arguments — `p<k>` for tensor operand k's element and `m<j>` for dropout j's mask
 * value (0 or the keep scale; the kernel draws the masks, one Philox block per four elements).
 * Names are positional, never IR ids, so equal chains give equal text.
 */

export interface FusedDropout {
  /** The fused node's operand holding the key. */
  rng: number;
  /** Drop probability. */
  p: number;
}

export interface FusedBody {
  /** `fn gnnc_fused(p0: T, …, m0: f32, …) -> T { … }`. */
  fn: string;
  /** Helper functions the body calls, dependencies included, in emission order. */
  helpers: string[];
  /** Tensor operands the function takes, in argument order (the `p<k>`). */
  tensorArgs: number[];
  /** The region's dropouts in order (the `m<j>` arguments). */
  dropouts: FusedDropout[];
}

export function fusedBody(node: Node, region: Region, scalar: Scalar): FusedBody {
  const refs = new Map<number, string>();
  const tensorArgs: number[] = [];
  region.params.forEach((p, k) => {
    if (p.type.kind !== "tensor") return;
    refs.set(p.id, `p${k}`);
    tensorArgs.push(k);
  });
  const paramIndex = new Map(region.params.map((p, k) => [p.id, k]));
  const dropouts: FusedDropout[] = [];
  const helpers = new Set<HelperName>();
  const refuse = (n: Node, why: string): never => {
    throw new CodegenError(node.op, `${n.op} (%${n.id}) in the fused region: ${why}`, n.span ?? node.span);
  };
  const ref = (n: Node, id: number): string => refs.get(id) ?? refuse(n, `operand %${id} is not a tensor of the region`);
  // The region ops besides arithmetic (ir/ops/fused.ts's FUSABLE_OPS), by op.
  const special: Readonly<Record<string, (n: Node) => string>> = {
    // Each element reads its operand broadcast onto the output already.
    "t.broadcast_to": (n) => ref(n, n.inputs[0]),
    "nn.dropout": (n) => {
      if (scalar !== "f32") refuse(n, `only f32 has a kernel, got ${scalar}`);
      const rng = paramIndex.get(n.inputs[1]);
      if (rng === undefined) refuse(n, "its key must be an operand of the fused node");
      const p = floatAttr(n.attrs, "p");
      if (!(p >= 0 && p <= 1)) refuse(n, `p = ${p} is not in [0, 1]`);
      dropouts.push({ rng: rng!, p });
      return `(${ref(n, n.inputs[0])} * m${dropouts.length - 1})`; // exactly x·mask, as the interpreter computes it
    },
  };

  const lines = region.body.map((n, i) => {
    const args = n.inputs;
    let expr: string;
    const unary = UNARY[n.op];
    const binary = BINARY[n.op];
    if (unary) {
      if (!unary.scalars.includes(scalar)) refuse(n, `not defined on ${scalar}`);
      try {
        expr = unary.expr(ref(n, args[0]), n.attrs, scalar);
      } catch (e) {
        if (e instanceof CodegenError) throw e;
        return refuse(n, e instanceof Error ? e.message : String(e)); // Inf/NaN attrs have no WGSL literal
      }
      for (const h of unary.helpers ?? []) helpers.add(h);
    } else if (binary) {
      expr = binary.expr(ref(n, args[0]), ref(n, args[1]), scalar);
      if (scalar === "f32") for (const h of binary.helpers ?? []) helpers.add(h);
    } else if (n.op in special) {
      expr = special[n.op](n);
    } else {
      return refuse(n, "not an elementwise op with WGSL");
    }
    refs.set(n.id, `v${i}`);
    return `  let v${i} = ${expr};`;
  });

  const result = refs.get(region.results[0]);
  if (result === undefined || !result.startsWith("v")) throw new CodegenError(node.op, "the region's result is not computed in its body", node.span);
  const params = [...tensorArgs.map((k) => `p${k}: ${scalar}`), ...dropouts.map((_, j) => `m${j}: f32`)].join(", ");
  const fn = `fn gnnc_fused(${params}) -> ${scalar} {\n${lines.join("\n")}\n  return ${result};\n}\n`;
  return { fn, helpers: helperTexts([...helpers]), tensorArgs, dropouts };
}
