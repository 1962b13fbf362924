import { dimMul } from "../ir/dims.js";
import type { OptionValue } from "../train/spec.js";
import type { IrMath } from "./ir-math.js";
import { optionText } from "./options.js";

/**
 * The level set Δ of pdADMM-G-Q: the values a quantised tensor may take. Written as
 *   `levels(a, b)`        the integers a, a+1, …, b (the paper's Δ = {−1, 0, …, 20});
 *   `linspace(a, b, n)`   n evenly spaced values from a to b;
 *   `bits(w, a, b)`       2ʷ evenly spaced values from a to b (a w-bit code);
 *   `[v0, v1, …]`         the values given, sorted ascending;
 *   `none`                no quantisation.
 * A quantised value travels between layers as its index in Δ: ⌈log2 |Δ|⌉ bits.
 */

export interface LevelSet {
  /** The levels as f32, ascending: the table a projection reads and the wire decodes with. */
  values: number[];
  /** For evenly spaced sets: the index is found arithmetically rather than by comparisons. */
  uniform?: { lo: number; step: number };
  /** As written. */
  text: string;
}

/** The most levels: an index fits 16 bits. */
export const MAX_LEVELS = 1 << 16;
/** The most levels of a set given value by value (each is one comparison in the projection). */
export const MAX_LISTED_LEVELS = 256;

export const LEVEL_SET_FORMS = "`levels(a, b)`, `linspace(a, b, n)`, `bits(w, a, b)`, a sorted list of values, or `none`";

const isNumber = (v: OptionValue): v is number => typeof v === "number";

function evenly(lo: number, hi: number, n: number, text: string): LevelSet | string {
  if (!(lo < hi)) return `the levels must be sorted: ${optionText(lo)} is not below ${optionText(hi)}`;
  if (!(Number.isInteger(n) && n >= 2 && n <= MAX_LEVELS)) return `the level count must be a whole number in [2, ${MAX_LEVELS}], found ${n}`;
  const step = (hi - lo) / (n - 1);
  const values = Array.from({ length: n }, (_, k) => Math.fround(lo + step * k));
  if (values.some((v, k) => k > 0 && !(v > values[k - 1]))) return `${n} levels between ${lo} and ${hi} are too close for f32`;
  return { values, uniform: { lo, step }, text };
}

/** The level set written as `v`, undefined for `none`, or why it is not one. */
export function levelSet(v: OptionValue): LevelSet | undefined | string {
  const text = optionText(v);
  if (v === "none" || v === false) return undefined;
  if (Array.isArray(v)) {
    if (!v.every(isNumber)) return `a list of levels holds numbers only, found ${text}`;
    if (v.length < 2 || v.length > MAX_LISTED_LEVELS) return `a list of levels has 2 to ${MAX_LISTED_LEVELS} values, found ${v.length}`;
    const values = v.map((x) => Math.fround(x));
    const bad = values.findIndex((x, k) => k > 0 && !(x > values[k - 1]));
    if (bad > 0) return `the levels must be sorted ascending without repeats: ${v[bad - 1]} then ${v[bad]}`;
    return { values, text };
  }
  if (typeof v !== "object" || !("call" in v)) return `expected ${LEVEL_SET_FORMS}, found ${text}`;
  const args = v.args;
  if (!args.every(isNumber)) return `the arguments of \`${v.call}\` are numbers, found ${text}`;
  switch (v.call) {
    case "levels":
      if (args.length !== 2 || !args.every(Number.isInteger)) return `\`levels(a, b)\` takes two whole numbers, found ${text}`;
      return evenly(args[0], args[1], args[1] - args[0] + 1, text);
    case "linspace":
      if (args.length !== 3) return `\`linspace(a, b, n)\` takes three numbers, found ${text}`;
      return evenly(args[0], args[1], args[2], text);
    case "bits":
      if (args.length !== 3 || !(Number.isInteger(args[0]) && args[0] >= 1 && args[0] <= 16)) return `\`bits(w, a, b)\` takes a width w in [1, 16] and a range, found ${text}`;
      return evenly(args[1], args[2], 2 ** args[0], text);
    default:
      return `expected ${LEVEL_SET_FORMS}, found ${text}`;
  }
}

/** Bits of one level index on the wire. */
export function indexBits(set: LevelSet): number {
  return Math.max(1, Math.ceil(Math.log2(set.values.length)));
}

/**
 * x projected onto the nearest level (ties to the lower one, or to even indices in an evenly
 * spaced set), as IR. The index is computed, then the value read from `table` (the set's values,
 * [n, 1]): a quantised value is exactly a table entry, so it travels as its index and is decoded
 * bit for bit.
 */
export function project(m: IrMath, x: number, set: LevelSet, table: number): number {
  const shape = m.shape(x);
  const n = set.values.length;
  let index: number;
  if (set.uniform) {
    const scaled = m.scale(m.sub(x, m.c(set.uniform.lo)), 1 / set.uniform.step);
    index = m.min(m.max(m.b.emit("t.round", [scaled]), m.c(0)), m.c(n - 1));
  } else {
    // The count of midpoints below x.
    index = m.step(m.sub(x, m.c((set.values[0] + set.values[1]) / 2)));
    for (let k = 1; k + 1 < n; k++) index = m.add(index, m.step(m.sub(x, m.c((set.values[k] + set.values[k + 1]) / 2))));
  }
  const count = shape.reduce<number | string>((acc, d) => dimMul(acc, d), 1);
  const flat = m.b.emit("t.reshape", [m.b.emit("t.cast", [index], { dtype: "i32" })], { shape: [count] });
  const picked = m.b.emit("t.gather_rows", [table, flat]);
  return m.b.emit("t.reshape", [picked], { shape: [...shape] });
}
