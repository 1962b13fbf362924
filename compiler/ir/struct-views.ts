import { boolAttr, dimAttr, intAttr, optionalFloatAttr, stringAttr } from "./attrs.js";
import type { Dim, Node, Region } from "./types.js";
import { updateChains } from "./update-chains.js";

/**
 * Typed views of the structural ops (ops/struct.ts): a node's attributes, typed, when it is that
 * op, else undefined. Passes and plans that walk bodies meet these ops everywhere (leaves bound by
 * name, tuple items, loops); the views keep their names and attribute layouts in one place.
 */

/** The name of an `s.input` leaf (features, graph, labels, rng key, …). */
export function inputName(n: Node): string | undefined {
  return n.op === "s.input" ? stringAttr(n.attrs, "name") : undefined;
}

/** The name of an `s.param` leaf (a parameter or buffer of Module.params). */
export function paramName(n: Node): string | undefined {
  return n.op === "s.param" ? stringAttr(n.attrs, "name") : undefined;
}

/** The item an `s.get` takes out of its tuple operand. */
export function tupleIndex(n: Node): number | undefined {
  return n.op === "s.get" ? intAttr(n.attrs, "index") : undefined;
}

/** An `s.loop` with its attributes read. */
export interface LoopView {
  node: Node;
  body: Region;
  trip: Dim;
  /** `repeat` when the attribute is absent (loops made by autodiff and the frontend's stacks alike). */
  mode: "repeat" | "equilibrium";
  reverse: boolean;
  /** Equilibrium: stop once max |next − carried| ≤ tol (absent: run every iteration). */
  tol?: number;
  /** Equilibrium: the Anderson memory m (0: plain iteration). */
  anderson: number;
}

export function loopOf(n: Node): LoopView | undefined {
  if (n.op !== "s.loop") return undefined;
  const body = n.regions?.[0];
  if (!body) throw new Error(`s.loop %${n.id} has no region`);
  const a = n.attrs;
  return {
    node: n,
    body,
    trip: dimAttr(a, "trip"),
    mode: a.mode === undefined ? "repeat" : (stringAttr(a, "mode") as LoopView["mode"]),
    reverse: a.reverse !== undefined && boolAttr(a, "reverse"),
    ...(a.tol !== undefined ? { tol: optionalFloatAttr(a, "tol") } : {}),
    anderson: a.anderson === undefined ? 0 : intAttr(a, "anderson"),
  };
}

/**
 * Which carried values of a loop are updated in place (one flag per region param, ir/update-chains.ts).
 * An equilibrium loop compares each iterate with the previous one, so it keeps both: no chains.
 */
export function loopUpdateChains(loop: LoopView): boolean[] {
  return loop.mode === "equilibrium" ? loop.body.params.map(() => false) : updateChains(loop.body);
}
