import { formatLocation, type Span } from "../../grammar/span.js";
import { allocatedSize, type LaunchPlan, type Step } from "../../compiler/plan/index.js";
import { inputName, paramName } from "../../compiler/ir/struct-views.js";
import { formatType } from "../../compiler/ir/type-utils.js";
import type { Func, Node } from "../../compiler/ir/types.js";
import { nodesById } from "../../compiler/ir/walk.js";
import { GpuLimitError } from "./errors.js";

/** Lines of a GpuLimitError before the rest are counted (a large weight brings its gradient and optimizer states along). */
const SHOWN = 8;

/**
 * Refuse, before anything is allocated, a function whose buffers the device cannot bind: WebGPU
 * binds a buffer (or a parameter's range of the pack) only up to `maxStorageBufferBindingSize`,
 * and Dawn would otherwise fail mid-run naming an internal buffer. Each line names the tensor (a
 * parameter by its PyG-style name, a value by the op computing it), its allocated bytes and the
 * `.gnn` line it comes from. Mostly-zero inputs are stored compactly, so their allocated size,
 * not their dense one, is what counts.
 */
export function checkBindingLimits(plan: LaunchPlan, func: Func, limit: number): void {
  const bound = boundSlots(plan.steps);
  const over = plan.slots.flatMap((slot, k) => (bound.has(k) && allocatedSize(slot.bytes) > limit ? [k] : []));
  if (over.length === 0) return;
  const nodes = nodesById(func);
  const params = new Map([...plan.params].map(([name, slot]) => [slot, name]));
  const inputs = new Map([...plan.inputs].flatMap(([name, slots]) => slots.map((slot): [number, string] => [slot, name])));
  const leaf = (view: (n: Node) => string | undefined, name: string) => [...nodes.values()].find((n) => view(n) === name);
  const lines = over.map((k) => {
    const slot = plan.slots[k];
    const param = params.get(k);
    const input = inputs.get(k);
    const valueId = /%(\d+)/.exec(slot.label)?.[1];
    const node = param !== undefined ? leaf(paramName, param) : input !== undefined ? leaf(inputName, input) : valueId !== undefined ? nodes.get(Number(valueId)) : undefined;
    const what = param !== undefined ? `parameter \`${param}\`` : input !== undefined ? `input \`${input}\`` : node ? `the value of \`${node.op}\` (%${node.id})` : `buffer \`${slot.label}\``;
    return `${what}${typeText(node)} needs ${bytesText(allocatedSize(slot.bytes))}${whereText(node?.span)}`;
  });
  const more = lines.length > SHOWN ? [`… and ${lines.length - SHOWN} more`] : [];
  throw new GpuLimitError(`${bytesText(limit)} per storage binding (maxStorageBufferBindingSize)`, [...lines.slice(0, SHOWN), ...more]);
}

/** The pack of parameters and optimizer states is one buffer: it must fit `maxBufferSize`. */
export function checkPackLimit(bytes: number, limit: number): void {
  if (bytes <= limit) return;
  throw new GpuLimitError(`${bytesText(limit)} per buffer (maxBufferSize)`, [`the parameters and optimizer states together need ${bytesText(bytes)}`]);
}

/** Slots some kernel binds (a slot only copied to or from is never bound). */
function boundSlots(steps: readonly Step[], out = new Set<number>()): Set<number> {
  for (const step of steps) {
    if (step.kind === "dispatch") for (const b of step.buffers) out.add(b);
    if (step.kind === "loop") boundSlots(step.body, out);
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
