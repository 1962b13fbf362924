import { Rng } from "../../runtime/data/prng.js";

/**
 * Seeded mutations of a `.gnn` source, as a careless or curious user would make them: extreme
 * numbers, swapped or misspelt names, missing or doubled tokens and lines, stray punctuation,
 * truncation. The same seed gives the same mutants.
 */

const TOKEN = /[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|"[^"\n]*"|\S/g;

/** Numbers at and beyond every limit, and the usual edge cases. */
const NUMBERS = ["0", "-1", "1", "2", "3", "0.5", "-0.5", "1e-300", "1e300", "129", "65537", "1000001", "16777217", "2147483648", "4294967296", "99999999999999999999"];
const NAMES = ["Foo", "GCNconv", "cora", "x", "g", "N", "train", "forward", "return", "repeat", "reversible", "equilibrium", "relu", "propagate", "model", "block"];
const STRINGS = ['""', '"cora"', '"no_such"', '"../x"', '"node"', '"batch_norm"'];
const PUNCTUATION = ["{", "}", "(", ")", "[", "]", ",", "=", "+", "*", "/", "@", ":", ".", "#", '"', "\n", "->"];

interface Token {
  text: string;
  at: number;
}

function tokens(text: string): Token[] {
  return [...text.matchAll(TOKEN)].map((m) => ({ text: m[0], at: m.index }));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.nextInt(items.length)];
}

function replaceToken(text: string, t: Token, by: string): string {
  return text.slice(0, t.at) + by + text.slice(t.at + t.text.length);
}

type Mutation = (text: string, rng: Rng, numbers: readonly string[]) => [string, string] | undefined;

const MUTATIONS: Record<string, Mutation> = {
  number(text, rng, numbers) {
    const ts = tokens(text).filter((t) => /^\d/.test(t.text));
    if (!ts.length) return undefined;
    const t = pick(rng, ts);
    const by = pick(rng, numbers);
    return [replaceToken(text, t, by), `${t.text} → ${by}`];
  },
  name(text, rng) {
    const ts = tokens(text).filter((t) => /^[A-Za-z_]/.test(t.text));
    if (!ts.length) return undefined;
    const t = pick(rng, ts);
    const by = rng.nextFloat() < 0.5 ? pick(rng, ts).text : pick(rng, NAMES);
    return [replaceToken(text, t, by), `${t.text} → ${by}`];
  },
  string(text, rng) {
    const ts = tokens(text).filter((t) => t.text.startsWith('"'));
    if (!ts.length) return undefined;
    const t = pick(rng, ts);
    const by = pick(rng, STRINGS);
    return [replaceToken(text, t, by), `${t.text} → ${by}`];
  },
  deleteToken(text, rng) {
    const ts = tokens(text);
    if (!ts.length) return undefined;
    const t = pick(rng, ts);
    return [replaceToken(text, t, ""), `delete ${t.text}`];
  },
  insert(text, rng) {
    const at = rng.nextInt(text.length + 1);
    const by = pick(rng, PUNCTUATION);
    return [text.slice(0, at) + by + text.slice(at), `insert ${JSON.stringify(by)} at ${at}`];
  },
  lines(text, rng) {
    const lines = text.split("\n");
    const i = rng.nextInt(lines.length);
    const j = rng.nextInt(lines.length);
    const kind = pick(rng, ["delete", "duplicate", "swap"] as const);
    if (kind === "delete") lines.splice(i, 1);
    if (kind === "duplicate") lines.splice(i, 0, lines[j]);
    if (kind === "swap") [lines[i], lines[j]] = [lines[j], lines[i]];
    return [lines.join("\n"), `${kind} line ${i + 1}${kind === "delete" ? "" : ` and ${j + 1}`}`];
  },
  truncate(text, rng) {
    const at = rng.nextInt(text.length + 1);
    return [text.slice(0, at), `truncate at ${at}`];
  },
};

/** Numbers a run can afford: mutants that still train finish in about a second. */
export const SMALL_NUMBERS = ["0", "-1", "1", "2", "3", "0.5", "-0.5", "1e-300", "129"];

/**
 * One to `most` mutations of `text` (numbers with probability `numberShare`, else any kind);
 * `what` says which, to reproduce a failure by hand.
 */
export function mutate(text: string, rng: Rng, { numbers = NUMBERS, most = 3, numberShare = 0.4 }: { numbers?: readonly string[]; most?: number; numberShare?: number } = {}): { text: string; what: string[] } {
  const names = Object.keys(MUTATIONS);
  const what: string[] = [];
  const count = 1 + rng.nextInt(most);
  for (let k = 0; k < count; k++) {
    const name = rng.nextFloat() < numberShare ? "number" : pick(rng, names);
    const done = MUTATIONS[name](text, rng, numbers);
    if (!done) continue;
    [text] = done;
    what.push(`${name}: ${done[1]}`);
  }
  return { text, what };
}

/** Flags and values for command lines; none writes a file or opens the GPU. */
const FLAGS = ["--epochs", "--seed", "--eval-every", "--patience", "--device", "--run", "--data-dir", "--bogus", "--quiet", "--after", "--passes", "--module", "--print-ir-after", "--timing", "--params", "-h", "--", "-"];
const VALUES = ["-1", "0", "1", "1e9", "abc", "", "reference", "cse", "all", "mutant.gnn", "nope.gnn", "--epochs=-3"];

/** A command line with one to three flags or values inserted, deleted or replaced. */
export function mutateArgv(argv: readonly string[], rng: Rng): string[] {
  const out = [...argv];
  const count = 1 + rng.nextInt(3);
  for (let k = 0; k < count; k++) {
    const at = rng.nextInt(out.length + 1);
    const kind = rng.nextInt(3);
    const token = rng.nextFloat() < 0.5 ? pick(rng, FLAGS) : pick(rng, VALUES);
    if (kind === 0) out.splice(at, 0, token);
    else if (kind === 1 && out.length > 1) out.splice(Math.max(1, at - 1), 1);
    else out[Math.max(1, Math.min(at, out.length - 1))] = token;
  }
  return out;
}
