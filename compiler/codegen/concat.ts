import { dimAdd, dimMul } from "../ir/dims.js";
import type { Dim, Node, TensorType, Type } from "../ir/types.js";
import { axisView } from "./axis-view.js";
import { BindingList } from "./bindings.js";
import { CodegenError, tensorOperand, workgroupSizeOf, type EmitOptions } from "./emit-context.js";
import { flatKernel } from "./flat-kernel.js";
import type { KernelSpec } from "./kernel.js";
import { SizeTable } from "./wgsl.js";
import { addDivisor, checkWords, inUnits, lanesFor, refuseInPlace, unitType } from "./words.js";
import { MAX_STORAGE_BUFFERS } from "./kernel.js";

/**
 * `t.concat` along any axis. Each outer row of the result is the operands' runs of words side by
 * side, so:
 *
 * - Up to `MAX_CONCAT_OPERANDS` operands (the WebGPU default of 8 storage buffers, less the
 *   output): `emitConcat`, one kernel, one launch, one work item per unit of the result.
 * - More: `concatLaunches` gives one launch per operand, in operand order. Every launch binds its
 *   operand (`{kind:"input", input:k}`) and the node's output, and writes only that operand's
 *   window of each row; the executor allocates the output once and binds the same buffer to every
 *   launch. The launches share one WGSL text (the window's width and offset come through the
 *   sizes uniform), so they cost one pipeline, whatever the count.
 */

export const MAX_CONCAT_OPERANDS = MAX_STORAGE_BUFFERS - 1;

interface ConcatLayout {
  axis: number;
  outer: Dim;
  /** Words of each operand in one row. */
  runs: Dim[];
  /** Words of the result in one row. */
  row: Dim;
  /** Words before each operand in a row of the result. */
  offsets: Dim[];
}

function layoutOf(node: Node, inputs: readonly Type[]): ConcatLayout {
  const xs: TensorType[] = inputs.map((_, i) => tensorOperand(node, inputs, i));
  if (xs.length === 0) throw new CodegenError(node.op, "needs at least one operand", node.span);
  for (const x of xs) checkWords(node, x.dtype);
  const view = axisView(node, xs[0], node.attrs.axis);
  const runs = xs.map((x) => dimMul(x.shape[view.axis], view.inner));
  const offsets: Dim[] = [];
  let row: Dim = 0;
  for (const run of runs) {
    offsets.push(row);
    row = dimAdd(row, run);
  }
  return { axis: view.axis, outer: view.outer, runs, row, offsets };
}

/** The one-launch kernel (at most MAX_CONCAT_OPERANDS operands). */
export function emitConcat(node: Node, inputs: readonly Type[], options: EmitOptions): KernelSpec {
  refuseInPlace(node, options);
  if (inputs.length > MAX_CONCAT_OPERANDS) {
    throw new CodegenError(
      node.op,
      `${inputs.length} operands exceed the ${MAX_STORAGE_BUFFERS} storage buffers of one kernel: launch concatLaunches(…) instead, one per operand`,
      node.span,
    );
  }
  const l = layoutOf(node, inputs);
  const sym = options.symbols;
  const lanes = lanesFor(l.runs, sym);
  const T = unitType("u32", lanes);
  const sizes = new SizeTable(sym);
  const outer = sizes.add("outer", l.outer);
  const row = addDivisor(sizes, "row", inUnits(l.row, lanes, sym), sym);
  const runs = l.runs.map((d, k) => sizes.add(`run${k}`, inUnits(d, lanes, sym)));
  const offsets = l.offsets.map((d, k) => (k === 0 ? "0u" : sizes.add(`offset${k}`, inUnits(d, lanes, sym))));
  const list = new BindingList();
  inputs.forEach((_, k) => list.add(`x${k}`, "read", `array<${T}>`, { kind: "input", input: k }));
  const bindings = list.add("out", "read_write", `array<${T}>`, { kind: "output" }).finish(sizes);

  // Unit r of row o belongs to the last operand whose window starts at or before r.
  const copy = (k: number) => `out[q] = x${k}[o * ${runs[k]} + r${k === 0 ? "" : ` - ${offsets[k]}`}];`;
  const branches = runs.map((_, k) => {
    if (k === runs.length - 1) return runs.length === 1 ? copy(k) : `{\n  ${copy(k)}\n}`;
    return `if (r < ${offsets[k + 1]}) {\n  ${copy(k)}\n}`;
  });
  const body = `let o = q / ${row};\nlet r = q % ${row};\n${branches.join(" else ")}`;
  return flatKernel({
    node,
    name: options.name ?? `t_concat${inputs.length}${lanes === 4 ? "_v4" : ""}`,
    summary: `${inputs.length} operand(s) joined along axis ${l.axis}`,
    sizes,
    bindings,
    workgroupSize: workgroupSizeOf(node, options),
    units: `(${outer} * ${row})`,
    unitsOf: (s) => s.outer * s.row,
    body,
  });
}

/**
 * The launches that compute a concat of any number of operands into one output buffer: one
 * (`emitConcat`) when the operands fit in one kernel, else one per operand (see the file comment).
 */
export function concatLaunches(node: Node, inputs: readonly Type[], options: EmitOptions = {}): KernelSpec[] {
  if (inputs.length <= MAX_CONCAT_OPERANDS) return [emitConcat(node, inputs, options)];
  refuseInPlace(node, options);
  const l = layoutOf(node, inputs);
  const sym = options.symbols;
  const lanes = lanesFor(l.runs, sym);
  const T = unitType("u32", lanes);
  const wg = workgroupSizeOf(node, options);
  return l.runs.map((run, k) => {
    const sizes = new SizeTable(sym);
    const outer = sizes.add("outer", l.outer);
    const row = sizes.add("row", inUnits(l.row, lanes, sym));
    // Width and offset differ per operand: passed at run time so every launch shares the WGSL.
    const width = sizes.add("run", inUnits(run, lanes, sym), "runtime");
    const offset = sizes.add("offset", inUnits(l.offsets[k], lanes, sym), "runtime");
    const bindings = new BindingList()
      .add("x", "read", `array<${T}>`, { kind: "input", input: k })
      .add("out", "read_write", `array<${T}>`, { kind: "output" })
      .finish(sizes);
    return flatKernel({
      node,
      name: options.name ?? `t_concat_part${lanes === 4 ? "_v4" : ""}`,
      summary: `one operand's window of a concat along axis ${l.axis}`,
      sizes,
      bindings,
      workgroupSize: wg,
      units: `(${outer} * ${width})`,
      unitsOf: (s) => s.outer * s.run,
      body: `out[(q / ${width}) * ${row} + ${offset} + q % ${width}] = x[q];`,
    });
  });
}
