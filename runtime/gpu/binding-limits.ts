import { formatLocation, type Span } from "../../grammar/span.js";
import { allocatedSize, partsNeeded, storageBindings, type BindingLimits, type LaunchPlan, type Step } from "../../compiler/plan/index.js";
import { inputName, paramName } from "../../compiler/ir/struct-views.js";
import { formatType } from "../../compiler/ir/type-utils.js";
import type { Func, Node } from "../../compiler/ir/types.js";
import { nodesById } from "../../compiler/ir/walk.js";
import { GpuLimitError } from "./errors.js";

/** Lines of a GpuLimitError before the rest are counted (a large weight brings its gradient and optimizer states along). */
const SHOWN = 8;

/**
 * Refuse, before anything is allocated, a function whose buffers the device cannot bind: WebGPU
 * binds a buffer (or a parameter's range of the pack) only up to `maxStorageBufferBindingSize`.
 * The plan splits larger buffers across several bindings (compiler/plan/binding-split.ts); what
 * is left over the limit is a buffer whose kernel would need more storage bindings than the device
 * allows. Each line names the tensor (a parameter by its PyG-style name, a value by the op
 * computing it), its allocated bytes, the `.gnn` line it comes from and the kernel that could not
 * split it. Mostly-zero inputs are stored compactly, so their allocated size, not their dense one,
 * is what counts.
 */
export function checkBindingLimits(plan: LaunchPlan, func: Func, limits: BindingLimits): void {
  const over = unsplit(plan.steps, plan, limits);
  if (over.size === 0) return;
  const nodes = nodesById(func);
  const params = new Map([...plan.params].map(([name, slot]) => [slot, name]));
  const inputs = new Map([...plan.inputs].flatMap(([name, slots]) => slots.map((slot): [number, string] => [slot, name])));
  const leaf = (view: (n: Node) => string | undefined, name: string) => [...nodes.values()].find((n) => view(n) === name);
  const lines = [...over].map(([k, why]) => {
    const slot = plan.slots[k];
    const param = params.get(k);
    const input = inputs.get(k);
    const valueId = /%(\d+)/.exec(slot.label)?.[1];
    const node = param !== undefined ? leaf(paramName, param) : input !== undefined ? leaf(inputName, input) : valueId !== undefined ? nodes.get(Number(valueId)) : undefined;
    const what = param !== undefined ? `parameter \`${param}\`` : input !== undefined ? `input \`${input}\`` : node ? `the value of \`${node.op}\` (%${node.id})` : `buffer \`${slot.label}\``;
    return `${what}${typeText(node)} needs ${bytesText(allocatedSize(slot.bytes))}${whereText(node?.span)}; ${why}`;
  });
  const more = lines.length > SHOWN ? [`… and ${lines.length - SHOWN} more`] : [];
  throw new GpuLimitError(`${bytesText(limits.maxBindingBytes)} per storage binding (maxStorageBufferBindingSize)`, [...lines.slice(0, SHOWN), ...more]);
}

/** The pack of parameters and optimizer states is one buffer: it must fit `maxBufferSize`. */
export function checkPackLimit(bytes: number, limit: number): void {
  if (bytes <= limit) return;
  throw new GpuLimitError(`${bytesText(limit)} per buffer (maxBufferSize)`, [`the parameters and optimizer states together need ${bytesText(bytes)}`]);
}

/**
 * Slots some launch binds whole although they are over the limit, each with why it was not split
 * (a slot only copied to or from is never bound; a split slot's parts each fit).
 */
function unsplit(steps: readonly Step[], plan: LaunchPlan, limits: BindingLimits, out = new Map<number, string>()): Map<number, string> {
  for (const step of steps) {
    if (step.kind === "loop") unsplit(step.body, plan, limits, out);
    if (step.kind !== "dispatch") continue;
    const kernel = plan.kernels[step.kernel];
    const storage = storageBindings(kernel);
    const bytes = step.buffers.map((s) => allocatedSize(plan.slots[s].bytes));
    step.buffers.forEach((slot, k) => {
      if (kernel.bindings[storage[k]].part || bytes[k] <= limits.maxBindingBytes || out.has(slot)) return;
      const needed = partsNeeded(kernel, bytes, limits).reduce((a, b) => a + b, 0);
      const why = Number.isFinite(needed)
        ? `split across bindings, kernel \`${kernel.name}\` would declare ${needed} storage bindings, and this GPU allows ${limits.maxStorageBindings} (maxStorageBuffersPerShaderStage)`
        : `the limit is below the offset alignment (${limits.offsetAlignment} bytes), so it cannot be split`;
      out.set(slot, why);
    });
  }
  return out;
}

function typeText(node: Node | undefined): string {
  return node ? ` ${formatType(node.type)}` : "";
}

function whereText(span: Span | undefined): string {
  return span ? ` (${formatLocation(span)})` : "";
}

function bytesText(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB (${bytes.toLocaleString("en-US")} bytes)`;
}
