import type { Span } from "../../grammar/span.js";
import { dimDiv, dimMul } from "../ir/dims.js";
import type { Attrs, Dim, TensorType } from "../ir/types.js";
import type { Elaborator } from "./elaborator.js";
import type { Reporter } from "./report.js";
import { groupPath, type StackInstance } from "./instance.js";
import type { ArgInput } from "./signature.js";
import { describeValue, formatTensorType, type TensorValue, type Value } from "./value.js";

const INDEX: TensorType = { kind: "tensor", dtype: "i32", shape: [] };

/**
 * Lower a stack call `stack(h, g, m)` to ONE `s.loop` (IR size flat in depth): `h` is carried from
 * iteration to iteration, the other inputs are shared. Untied parameters are stacked along a
 * leading dim and sliced per iteration with `t.select`.
 *
 * Reversible and equilibrium stacks lower to the same loop with their mode recorded in the attrs;
 * the loop body computes their forward semantics exactly (group-additive coupling / fixed-point
 * iteration, which s.loop stops early once within `tol`). The reversible and equilibrium passes
 * (inversion instead of stored activations, implicit differentiation) are a later issue and will
 * key on `mode`.
 */
export function callStack(el: Elaborator, inst: StackInstance, path: string, display: string, args: readonly ArgInput[], callSpan: Span): Value {
  const r: Reporter = el.reporter;
  const named = args.find((a) => a.name);
  if (args.length === 0 || named) {
    r.fail("E407", `\`${display}\` takes positional inputs: the value carried from block to block first, then inputs every block shares`, named?.span ?? callSpan, {
      help: `e.g. \`${display}(h, g)\``,
    });
  }
  const first = args[0];
  if (first.value.kind !== "tensor") {
    r.fail("E305", `the first input of \`${display}\` is the value carried from block to block and must be a tensor, found ${describeValue(first.value)}`, first.span);
  }
  const carried = first.value as TensorValue;
  const loop = inst.loop;
  const region = el.builder.region(
    [INDEX, carried.type],
    ([index, state]) => {
      const next = el.inRegion(path, index, !loop.tied, () => {
        const current = el.tensorOf(state);
        const shared = args.slice(1);
        return loop.mode === "reversible"
          ? reversibleBody(el, inst, path, display, current, first.span, shared, callSpan)
          : bodyCall(el, inst, path, display, [{ value: current, span: first.span }, ...shared], callSpan, carried.type);
      });
      return [next.id];
    },
    callSpan,
  );
  const attrs: Attrs =
    loop.mode === "repeat"
      ? { trip: loop.trip }
      : loop.mode === "reversible"
        ? { trip: loop.trip, mode: "reversible", groups: loop.groups! }
        : { trip: loop.trip, mode: "equilibrium", max_iter: loop.maxIter!, tol: loop.tol! };
  return el.tensorOf(el.emit("s.loop", [carried.id], attrs, { span: callSpan }, [region]));
}

/** Call the stacked block (or one group of it) and check it returns the type it was given. */
function bodyCall(el: Elaborator, inst: StackInstance, path: string, display: string, args: ArgInput[], callSpan: Span, expected: TensorType): TensorValue {
  const out = el.callInstance(inst.body, path, display, args, callSpan);
  if (out.kind === "tensor" && formatTensorType(out.type) === formatTensorType(expected)) return out;
  return el.reporter.fail(
    "E308",
    `\`${display}\` carries ${formatTensorType(expected)} from block to block, but \`${inst.body.typeName}\` returns ${describeValue(out)}`,
    callSpan,
    {
      labels: [{ span: inst.span, message: "the stack is declared here" }],
      help: "a stacked block must return a value of the same shape as its first input",
    },
  );
}

/**
 * PyG's GroupAddRev forward: split the carried X and every shared tensor of the same width into C
 * channel groups; X'_0 = Σ_{i≥1} X_i, X'_i = X_i + f_i(X'_{i−1}, shared_i); result concat(X'_i).
 */
function reversibleBody(
  el: Elaborator,
  inst: StackInstance,
  path: string,
  display: string,
  x: TensorValue,
  xSpan: Span,
  shared: readonly ArgInput[],
  callSpan: Span,
): TensorValue {
  const groups = inst.loop.groups!;
  const axis = x.type.shape.length - 1;
  const width = x.type.shape[axis];
  const chunk = dimDiv(width, groups);
  if (axis < 0 || chunk === undefined) {
    return el.reporter.fail("E309", `\`${display}\` splits the channels of ${formatTensorType(x.type)} into ${groups} groups, but ${width} is not divisible by ${groups}`, xSpan, {
      labels: [{ span: inst.loop.groupsSpan!, message: `groups = ${groups} set here` }],
      help: `use a width divisible by ${groups}, or change \`groups\``,
    });
  }
  const site = { span: callSpan };
  const slice = (v: TensorValue, g: number) =>
    el.tensor("t.slice", [v.id], { axis, start: dimMul(g, chunk), size: chunk }, site);
  const splits = (v: Value): Value[] => {
    const splittable = v.kind === "tensor" && v.type.shape.length === x.type.shape.length && v.type.shape[axis] === width;
    return Array.from({ length: groups }, (_, g) => (splittable ? slice(v as TensorValue, g) : v));
  };
  const xs = splits(x) as TensorValue[];
  const sharedGroups = shared.map((a) => ({ parts: splits(a.value), span: a.span }));
  const chunkType: TensorType = { ...x.type, shape: x.type.shape.map((d, i): Dim => (i === axis ? chunk : d)) };
  let y = xs[1];
  for (let g = 2; g < groups; g++) y = el.tensor("t.add", [y.id, xs[g].id], {}, site);
  const outs: TensorValue[] = [];
  for (let g = 0; g < groups; g++) {
    const args: ArgInput[] = [{ value: y, span: xSpan }, ...sharedGroups.map((s) => ({ value: s.parts[g], span: s.span }))];
    const fy = bodyCall(el, inst, groupPath(path, g), groupPath(display, g), args, callSpan, chunkType);
    y = el.tensor("t.add", [xs[g].id, fy.id], {}, site);
    outs.push(y);
  }
  return el.tensor("t.concat", outs.map((o) => o.id), { axis }, site);
}
