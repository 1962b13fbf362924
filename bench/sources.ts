/**
 * The examples' models on other datasets: an example's `.gnn` text with its one `dataset` statement
 * replaced and the dataset's name renamed throughout the code (not in comments or strings), so the
 * benchmark trains exactly the settings users read in `examples/` — on any graph.
 */

/** One dataset the benchmark trains on and how a `.gnn` file declares it. */
export interface BenchDataset {
  /** Identifier used in the `.gnn` text and as the key in results (`cora`, `csbm_4k`). */
  key: string;
  /** Shown in tables (`Cora`, `CSBM 4k`). */
  label: string;
  /** The right-hand side of `dataset <key> = …`. */
  declaration: string;
  /** Nodes, for plotting time against graph size. */
  nodes: number;
  /** Directed edges (estimated for a synthetic graph as nodes × mean degree): sizes the epoch count. */
  edges: number;
  synthetic: boolean;
  /** The models that train on it (default: every model of the run). */
  models?: readonly string[];
}

const DATASET_LINE = /^(\s*)dataset\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/** Rename whole-word identifier `from` to `to` in the code of one line, leaving strings and the comment alone. */
export function renameInLine(line: string, from: string, to: string): string {
  let out = "";
  let k = 0;
  while (k < line.length) {
    const c = line[k];
    if (c === "#") return out + line.slice(k);
    if (c === '"') {
      const end = line.indexOf('"', k + 1);
      const stop = end < 0 ? line.length : end + 1;
      out += line.slice(k, stop);
      k = stop;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = k + 1;
      while (j < line.length && /[A-Za-z0-9_]/.test(line[j])) j++;
      const word = line.slice(k, j);
      out += word === from ? to : word;
      k = j;
      continue;
    }
    out += c;
    k++;
  }
  return out;
}

/**
 * `text` (a `.gnn` file with exactly one `dataset` statement, on one line) training on `dataset`
 * instead: the statement becomes `dataset <key> = <declaration>` and every use of the old name
 * (`cora.num_features`, `data = cora`) becomes `key`. Throws unless there is exactly one statement.
 */
export function adaptExample(text: string, dataset: Pick<BenchDataset, "key" | "declaration">): string {
  const lines = text.split("\n");
  const at = lines.flatMap((l, k) => (DATASET_LINE.test(l) ? [k] : []));
  if (at.length !== 1) throw new Error(`expected one \`dataset\` statement, found ${at.length}`);
  const [, indent, name] = DATASET_LINE.exec(lines[at[0]]) as RegExpExecArray;
  return lines
    .map((l, k) => (k === at[0] ? `${indent}dataset ${dataset.key} = ${dataset.declaration}` : renameInLine(l, name, dataset.key)))
    .join("\n");
}

/** The `load(…)` declaration of a stored dataset, with the transforms the examples use. */
export function loadDeclaration(name: string, transforms: readonly string[] = ["normalize_features"]): string {
  const args = [JSON.stringify(name), ...(transforms.length ? [`transforms = [${transforms.join(", ")}]`] : [])];
  return `load(${args.join(", ")})`;
}

export interface CsbmSize {
  nodes: number;
  classes: number;
  features: number;
  avgDegree: number;
}

/** A synthetic CSBM graph's declaration: homophilous, informative features, seed 0 (deterministic). */
export function csbmDeclaration(s: CsbmSize): string {
  return `synthetic.csbm(nodes = ${s.nodes}, classes = ${s.classes}, features = ${s.features}, avg_degree = ${s.avgDegree}, homophily = 0.8, signal = 1.0, seed = 0)`;
}

/** `4000` → `4k`, `1000000` → `1M`, `2708` → `2708`: short labels for node counts. */
export function sizeLabel(nodes: number): string {
  if (nodes >= 1_000_000 && nodes % 1_000_000 === 0) return `${nodes / 1_000_000}M`;
  return nodes >= 1000 && nodes % 1000 === 0 ? `${nodes / 1000}k` : String(nodes);
}
