import { inputName, paramName } from "../ir/struct-views.js";
import type { Span } from "../../grammar/span.js";
import { evalDim, formatShape } from "../ir/dims.js";
import { dtypeBytes } from "../ir/type-utils.js";
import type { Module, Node, TensorType } from "../ir/types.js";
import { LIMITS } from "../train/limits.js";
import type { Reporter } from "./report.js";

/** Elements of a tensor type whose sizes are all known (module symbols), else undefined. */
function knownElements(t: TensorType, symbols: Readonly<Record<string, number>>): number | undefined {
  let n = 1;
  for (const d of t.shape) {
    const v = evalDim(d, symbols);
    if (v === undefined) return undefined;
    n *= v;
  }
  return n;
}

/**
 * Tensors of a built module whose known size no device can hold: each parameter over the limit,
 * and the first value of the forward over it (the values computed from that one are as large, and
 * would only repeat the error). Tensors over a GPU's storage-binding limit are split across
 * bindings (compiler/plan/binding-split.ts); what even that cannot bind, the GPU device refuses
 * before its first step (runtime/gpu/binding-limits.ts).
 */
export function checkTensorSizes(module: Module, reporter: Reporter): void {
  const limit = LIMITS.tensorElements;
  const at = (span: Span | undefined) => span ?? module.span!;
  for (const p of module.params) {
    const n = knownElements(p.type, module.symbols);
    if (n === undefined) continue;
    const what = `parameter \`${p.name}\` ${p.type.dtype}${formatShape(p.type.shape)}`;
    if (n > limit.max) {
      reporter.error("E315", `${what} has ${n} elements; one tensor holds at most ${limit.max}`, at(p.span), { help: limit.why });
    }
  }
  const forward = module.funcs[0];
  const oversized = forward ? firstOversized(forward.body, module.symbols, limit.max) : undefined;
  if (oversized) {
    const t = oversized.type as TensorType;
    const input = inputName(oversized);
    const what = input !== undefined ? `input \`${input}\`` : "this value";
    reporter.error("E315", `${what}, ${t.dtype}${formatShape(t.shape)}, has ${knownElements(t, module.symbols)} elements; one tensor holds at most ${limit.max}`, at(oversized.span), {
      help: limit.why,
    });
  }
}

function firstOversized(body: readonly Node[], symbols: Readonly<Record<string, number>>, max: number): Node | undefined {
  for (const n of body) {
    if (paramName(n) !== undefined) continue; // reported above, by name
    if (n.type.kind === "tensor" && (knownElements(n.type, symbols) ?? 0) > max) return n;
    for (const r of n.regions ?? []) {
      const inner = firstOversized(r.body, symbols, max);
      if (inner) return inner;
    }
  }
  return undefined;
}
