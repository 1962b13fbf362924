import { inputName, paramName } from "../ir/struct-views.js";
import type { Span } from "../../grammar/span.js";
import { evalDim, formatShape } from "../ir/dims.js";
import { dtypeBytes } from "../ir/type-utils.js";
import type { Module, Node, TensorType } from "../ir/types.js";
import { LIMITS } from "../train/limits.js";
import type { Reporter } from "./report.js";

/**
 * WebGPU's default `maxStorageBufferBindingSize` (128 MiB): what every adapter offers at least.
 * A device may allow more, so a parameter over it is a warning here; the GPU device refuses it,
 * against its own limit, before the first step (runtime/gpu/binding-limits.ts).
 */
export const DEFAULT_BINDING_LIMIT = 128 * 2 ** 20;

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

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Tensors of a built module whose known size no device can hold: each parameter over the limit,
 * and the first value of the forward over it (the values computed from that one are as large, and
 * would only repeat the error).
 * Parameters over WebGPU's default binding limit get a warning: the GPU may refuse them.
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
    } else if (n * dtypeBytes(p.type.dtype) > DEFAULT_BINDING_LIMIT) {
      reporter.warning("W203", `${what} is ${mib(n * dtypeBytes(p.type.dtype))}, over WebGPU's default storage-binding limit of ${mib(DEFAULT_BINDING_LIMIT)}`, at(p.span), {
        help: "the GPU refuses it unless its device allows more (`gnnc info` shows the limit); `--device reference` trains it",
      });
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
