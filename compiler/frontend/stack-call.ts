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
 * Lower a stack call `stack(h, g, m)` to ONE loop node (IR size flat in depth): `h` is carried from
 * iteration to iteration, the other inputs are shared. Untied parameters are stacked along a
 * leading dim and sliced per iteration with `t.select`.
 *
 * `repeat` and `equilibrium` stacks become an `s.loop` (equilibrium: the fixed-point iteration,
 * stopping once within `tol`; its mode tells autodiff to differentiate implicitly). `reversible`
 * stacks become an `s.reversible` whose regions are the per-group blocks F_g, so that autodiff can
 * invert the coupling instead of storing block inputs.
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
  el.onStackCall?.(inst, carried.type);
  const loop = inst.loop;
  if (loop.mode === "reversible") return reversibleStack(el, inst, path, display, carried, first.span, args.slice(1), callSpan);
  const region = el.builder.region(
    [INDEX, carried.type],
    ([index, state]) => {
      const next = el.inRegion(path, index, !loop.tied, () =>
        bodyCall(el, inst, path, display, [{ value: el.tensorOf(state), span: first.span }, ...args.slice(1)], callSpan, carried.type),
      );
      return [next.id];
    },
    callSpan,
  );
  const attrs: Attrs =
    loop.mode === "repeat"
      ? { trip: loop.trip }
      : { trip: loop.trip, mode: "equilibrium", max_iter: loop.maxIter!, tol: loop.tol!, ...(loop.anderson ? { anderson: loop.anderson } : {}) };
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
 * PyG's GroupAddRev: the channels of the carried X (and of every shared tensor of the same width)
 * split into C groups; region g of the `s.reversible` is the block F_g on group g, which the op
 * couples as X'_0 = Σ_{i≥1} X_i, X'_i = X_i + F_i(X'_{i−1}) (see compiler/ir/ops/reversible.ts).
 */
function reversibleStack(
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
  const chunkType: TensorType = { ...x.type, shape: x.type.shape.map((d, i): Dim => (i === axis ? chunk : d)) };
  // A shared input as wide as X is split like X (the shared dropout mask); others go whole to every group.
  const part = (v: Value, g: number): Value => {
    const splittable = v.kind === "tensor" && v.type.shape.length === x.type.shape.length && v.type.shape[axis] === width;
    return splittable ? el.tensor("t.slice", [(v as TensorValue).id], { axis, start: dimMul(g, chunk), size: chunk }, site) : v;
  };
  const regions = Array.from({ length: groups }, (_, g) =>
    el.builder.region(
      [INDEX, chunkType],
      ([index, z]) => {
        const out = el.inRegion(path, index, !inst.loop.tied, () => {
          const args: ArgInput[] = [{ value: el.tensorOf(z), span: xSpan }, ...shared.map((a) => ({ value: part(a.value, g), span: a.span }))];
          return bodyCall(el, inst, groupPath(path, g), groupPath(display, g), args, callSpan, chunkType);
        });
        return [out.id];
      },
      callSpan,
    ),
  );
  return el.tensorOf(el.emit("s.reversible", [x.id], { trip: inst.loop.trip, groups }, site, regions));
}
