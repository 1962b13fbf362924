import { gunzipSync, unzipSync } from "fflate";
import { graphFromEdges } from "../../../compiler/ir/graph-value.js";
import type { Dataset } from "../dataset.js";
import { sortEdges, symmetrize } from "../edges.js";
import { DataError } from "../errors.js";

/**
 * OGB node-property datasets as OGB publishes them (`<folder>.zip`): `raw/edge.csv.gz` (one
 * `src,dst` per line), `raw/node-feat.csv.gz` (a row of floats per node), `raw/node-label.csv.gz`
 * (a class per node; `nan` = unlabelled) and `split/<split>/{train,valid,test}.csv.gz` (node ids).
 * Where OGB's loaders add inverse edges (`add_inverse_edge`, e.g. products) they are added here;
 * otherwise (arXiv) the graph stays directed as published. Self loops and duplicates are dropped.
 */

export interface OgbOptions {
  folder: string;
  split: string;
  addInverseEdges: boolean;
}

export interface OgbResult {
  dataset: Dataset;
  describe: Record<string, unknown>;
}

export function ogbNodeDataset(name: string, zip: Uint8Array, file: string, o: OgbOptions): OgbResult {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(zip);
  } catch (e) {
    throw new DataError("malformed", `not a readable zip archive: ${(e as Error).message}`, file);
  }
  const csv = (path: string): string[][] => {
    const key = `${o.folder}/${path}`;
    const bytes = members[key];
    if (!bytes) throw new DataError("malformed", `member ${key} is missing`, file);
    let text: string;
    try {
      text = new TextDecoder().decode(key.endsWith(".gz") ? gunzipSync(bytes) : bytes);
    } catch (e) {
      throw new DataError("malformed", `${key}: ${(e as Error).message}`, file);
    }
    return text.split(/\r?\n/).filter((l) => l !== "").map((l) => l.split(","));
  };
  const ints = (rows: string[][], what: string): Int32Array =>
    Int32Array.from(rows.flat(), (v, k) => {
      if (!/^\d+$/.test(v.trim())) throw new DataError("badValue", `${what}: value ${k + 1} = ${JSON.stringify(v)} is not a node id`, file);
      return Number(v);
    });

  const featureRows = csv("raw/node-feat.csv.gz");
  const numNodes = featureRows.length;
  const numFeatures = featureRows[0]?.length ?? 0;
  const features = new Float32Array(numNodes * numFeatures);
  featureRows.forEach((row, i) => {
    if (row.length !== numFeatures) throw new DataError("malformed", `node-feat.csv: row ${i + 1} has ${row.length} values, expected ${numFeatures}`, file);
    row.forEach((v, j) => {
      const x = Number(v);
      if (!Number.isFinite(x)) throw new DataError("badValue", `node-feat.csv: row ${i + 1}, value ${j + 1} = ${JSON.stringify(v)} is not a finite number`, file);
      features[i * numFeatures + j] = x;
    });
  });
  const labels = Int32Array.from(csv("raw/node-label.csv.gz"), (row, i) => {
    const v = row[0]?.trim() ?? "";
    if (v === "nan") return -1;
    if (!/^\d+$/.test(v)) throw new DataError("badValue", `node-label.csv: row ${i + 1} = ${JSON.stringify(v)} is not a class id`, file);
    return Number(v);
  });
  if (labels.length !== numNodes) throw new DataError("sizeMismatch", `${labels.length} labels for ${numNodes} nodes`, file);
  const edges = csv("raw/edge.csv.gz");
  const ends = ints(edges, "edge.csv");
  const src = ends.filter((_, k) => k % 2 === 0);
  const dst = ends.filter((_, k) => k % 2 === 1);
  for (const id of ends) if (id >= numNodes) throw new DataError("badValue", `edge.csv: node id ${id} is out of range for ${numNodes} nodes`, file);
  const cleaned = sortEdges(numNodes, src, dst, { dropSelfLoops: true });
  const graph = o.addInverseEdges ? symmetrize(numNodes, cleaned.src, cleaned.dst) : cleaned;
  const split = (part: string) => Int32Array.from(ints(csv(`split/${o.split}/${part}.csv.gz`), `split ${part}`)).sort();
  return {
    dataset: {
      name,
      numNodes,
      numFeatures,
      numClasses: labels.reduce((m, y) => Math.max(m, y + 1), 0),
      graph: graphFromEdges(numNodes, graph.src, graph.dst),
      features: { kind: "dense", data: features },
      labels,
      splits: { train: split("train"), val: split("valid"), test: split("test") },
    },
    describe: {
      graph_source_stats: {
        edges_in_source: src.length,
        self_loops_in_source: cleaned.selfLoopsRemoved,
        duplicates_in_source: cleaned.duplicatesRemoved,
        inverse_edges_added: o.addInverseEdges,
      },
      split_definition: `OGB's official split \`${o.split}\` (split/${o.split}/{train,valid,test}.csv.gz; valid -> val)`,
    },
  };
}
