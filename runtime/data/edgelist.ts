import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Features, LoadResult } from "./dataset.js";
import { type EdgeData, firstOccurrences, graphWithEdgeData, hasEdgeData, pickEdges, symmetrizeWithData } from "./edge-data.js";
import { sortEdges } from "./edges.js";
import { DataError } from "./errors.js";
import { parseId, readTextTable } from "./text-table.js";

/**
 * Plain-text datasets: an edge list (`src,dst` per line; comma, tab or space separated; optional
 * header; `#` comments; a third column is the edge's weight, more columns are its features, the
 * same count on every line), optional features (one CSV row of numbers per node, in node order) and
 * optional labels (one label per line in node order, or `node,label` pairs; -1 = unlabelled).
 * Every error names file:line.
 */

export interface TextSource {
  /** Name used in messages (usually the file name). */
  file: string;
  text: string;
}

export interface EdgeListOptions {
  name?: string;
  /** Node count; default: the features' row count, else the labels' count, else the largest id + 1. */
  numNodes?: number;
  /** Class count; default: the largest label + 1. */
  numClasses?: number;
  /** Keep edges as given instead of adding each missing reverse edge (default: undirected). */
  directed?: boolean;
}

export function loadEdgeList(
  paths: { edges: string; features?: string; labels?: string },
  options: EdgeListOptions = {},
): LoadResult {
  const source = (path: string): TextSource => {
    try {
      return { file: basename(path), text: readFileSync(path, "utf8") };
    } catch (e) {
      throw new DataError("notFound", `cannot read: ${(e as Error).message}`, basename(path));
    }
  };
  return edgeListFromText(
    {
      edges: source(paths.edges),
      features: paths.features === undefined ? undefined : source(paths.features),
      labels: paths.labels === undefined ? undefined : source(paths.labels),
    },
    { ...options, name: options.name ?? basename(paths.edges).replace(/\.[^.]*$/, "") },
  );
}

export function edgeListFromText(
  sources: { edges: TextSource; features?: TextSource; labels?: TextSource },
  options: EdgeListOptions = {},
): LoadResult {
  const warnings: string[] = [];
  const notes: string[] = [];
  const edges = parseEdges(sources.edges);
  const features = sources.features ? parseFeatures(sources.features) : undefined;
  const labels = sources.labels ? parseLabels(sources.labels) : undefined;

  // Decide the node count, and which file it came from (for messages).
  let numNodes: number;
  let nodeCountFrom: string;
  if (options.numNodes !== undefined) {
    numNodes = options.numNodes;
    nodeCountFrom = "as given";
  } else if (features) {
    numNodes = features.rows;
    nodeCountFrom = `the rows of ${sources.features!.file}`;
  } else if (labels?.sequential) {
    numNodes = labels.values.length;
    nodeCountFrom = `the lines of ${sources.labels!.file}`;
  } else {
    numNodes = Math.max(edges.maxId + 1, labels ? labels.maxNode + 1 : 0);
    nodeCountFrom = "the largest node id + 1";
  }
  const src = sources.edges;
  for (let k = 0; k < edges.src.length; k++) {
    const bad = edges.src[k] >= numNodes ? edges.src[k] : edges.dst[k] >= numNodes ? edges.dst[k] : -1;
    if (bad >= 0) throw new DataError("badValue", `${src.file}:${edges.lines[k]}: node id ${bad} is out of range for ${numNodes} nodes (${nodeCountFrom})`);
  }
  if (features && features.rows !== numNodes) {
    throw new DataError("sizeMismatch", `${sources.features!.file}: ${features.rows} feature rows for ${numNodes} nodes (${nodeCountFrom})`);
  }

  const sorted = sortEdges(numNodes, edges.src, edges.dst, { dropSelfLoops: true });
  if (sorted.selfLoopsRemoved > 0) {
    warnings.push(`${src.file}:${edges.lines[sorted.firstSelfLoop]}: ${sorted.selfLoopsRemoved} self loops removed (this is the first)`);
  }
  if (sorted.duplicatesRemoved > 0) {
    const [u, v] = sorted.exampleDuplicate!;
    warnings.push(`${src.file}: ${sorted.duplicatesRemoved} duplicate edges removed (e.g. ${u},${v})`);
  }
  let final = { src: sorted.src, dst: sorted.dst, data: hasEdgeData(edges.data) ? pickEdges(edges.data, firstOccurrences(numNodes, sorted, edges)) : edges.data };
  if (!options.directed) {
    const sym = symmetrizeWithData(numNodes, final.src, final.dst, final.data);
    final = sym;
    notes.push(`${src.file}: treated as undirected: ${sym.added} reverse edges added → ${final.src.length} directed edges`);
  }

  const labelArray = new Int32Array(numNodes).fill(-1);
  let numClasses = 0;
  if (labels) {
    numClasses = options.numClasses ?? labels.maxLabel + 1;
    placeLabels(labels, labelArray, numClasses, numNodes, sources.labels!.file, nodeCountFrom);
  } else {
    notes.push("no labels file: every node is unlabelled");
  }

  let featureValue: Features;
  let numFeatures: number;
  if (features) {
    featureValue = { kind: "dense", data: features.data };
    numFeatures = features.width;
  } else {
    featureValue = identityFeatures(numNodes);
    numFeatures = numNodes;
    notes.push("no features file: using one-hot node ids (identity matrix, stored sparse)");
  }

  return {
    dataset: {
      name: options.name ?? src.file.replace(/\.[^.]*$/, ""),
      numNodes,
      numFeatures,
      numClasses,
      ...graphWithEdgeData(numNodes, final.src, final.dst, final.data),
      features: featureValue,
      labels: labelArray,
      splits: {},
    },
    warnings,
    notes,
  };
}

function parseEdges(source: TextSource) {
  const { rows } = readTextTable(source.text, source.file);
  const src = new Int32Array(rows.length);
  const dst = new Int32Array(rows.length);
  const lines = new Int32Array(rows.length);
  // Columns after the two ids: one is a weight, more are features.
  const extra = Math.max(0, (rows[0]?.fields.length ?? 2) - 2);
  const values = new Float32Array(rows.length * extra);
  let maxId = -1;
  rows.forEach((row, k) => {
    if (row.fields.length < 2) {
      throw new DataError("malformed", `${source.file}:${row.line}: expected two node ids "src,dst", found ${row.fields.length} fields`);
    }
    if (row.fields.length !== extra + 2) {
      throw new DataError("malformed", `${source.file}:${row.line}: ${row.fields.length} fields, expected ${extra + 2} (as on line ${rows[0].line})`);
    }
    src[k] = parseId(row.fields[0], source.file, row.line, "node id");
    dst[k] = parseId(row.fields[1], source.file, row.line, "node id");
    row.fields.slice(2).forEach((field, j) => {
      const v = Number(field);
      if (field.trim() === "" || !Number.isFinite(v)) {
        throw new DataError("badValue", `${source.file}:${row.line}: edge ${j === 0 && extra === 1 ? "weight" : `feature ${j + 1}`} = ${JSON.stringify(field)} is not a finite number`);
      }
      values[k * extra + j] = v;
    });
    lines[k] = row.line;
    maxId = Math.max(maxId, src[k], dst[k]);
  });
  const data: EdgeData = extra === 0 ? {} : extra === 1 ? { edgeWeight: values } : { edgeAttr: { dim: extra, data: values } };
  return { src, dst, lines, maxId, data };
}

function parseFeatures(source: TextSource) {
  const { rows } = readTextTable(source.text, source.file);
  if (rows.length === 0) throw new DataError("malformed", `${source.file}: no feature rows`);
  const width = rows[0].fields.length;
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    if (row.fields.length !== width) {
      throw new DataError("malformed", `${source.file}:${row.line}: ${row.fields.length} values, expected ${width} (as on line ${rows[0].line})`);
    }
    row.fields.forEach((field, j) => {
      const v = Number(field);
      if (!Number.isFinite(v)) throw new DataError("badValue", `${source.file}:${row.line}: value ${j + 1} = ${JSON.stringify(field)} is not a finite number`);
      data[r * width + j] = v;
    });
  });
  return { rows: rows.length, width, data };
}

interface ParsedLabels {
  /** True for one label per line in node order; false for `node,label` pairs. */
  sequential: boolean;
  nodes: Int32Array;
  values: Int32Array;
  lines: Int32Array;
  maxLabel: number;
  maxNode: number;
}

function parseLabels(source: TextSource): ParsedLabels {
  const { rows } = readTextTable(source.text, source.file);
  const sequential = rows.length === 0 || rows[0].fields.length === 1;
  const nodes = new Int32Array(rows.length);
  const values = new Int32Array(rows.length);
  const lines = new Int32Array(rows.length);
  let maxLabel = -1;
  let maxNode = -1;
  rows.forEach((row, k) => {
    const expected = sequential ? 1 : 2;
    if (row.fields.length !== expected) {
      const form = sequential ? "one label per line" : '"node,label" pairs';
      throw new DataError("malformed", `${source.file}:${row.line}: ${row.fields.length} fields; the file uses ${form} (from line ${rows[0].line})`);
    }
    nodes[k] = sequential ? k : parseId(row.fields[0], source.file, row.line, "node id");
    const text = row.fields[expected - 1];
    if (!/^-?\d+$/.test(text) || Number(text) < -1 || Number(text) > 2147483647) {
      throw new DataError("badValue", `${source.file}:${row.line}: label ${JSON.stringify(text)} is not a class id (an integer >= 0, or -1 = unlabelled)`);
    }
    values[k] = Number(text);
    lines[k] = row.line;
    maxLabel = Math.max(maxLabel, values[k]);
    maxNode = Math.max(maxNode, nodes[k]);
  });
  return { sequential, nodes, values, lines, maxLabel, maxNode };
}

function placeLabels(
  labels: ParsedLabels,
  out: Int32Array,
  numClasses: number,
  numNodes: number,
  file: string,
  nodeCountFrom: string,
): void {
  if (labels.sequential && labels.values.length !== numNodes) {
    throw new DataError("sizeMismatch", `${file}: ${labels.values.length} labels for ${numNodes} nodes (${nodeCountFrom})`);
  }
  const seenLine = new Int32Array(numNodes);
  for (let k = 0; k < labels.values.length; k++) {
    const node = labels.nodes[k];
    const line = labels.lines[k];
    if (node >= numNodes) throw new DataError("badValue", `${file}:${line}: node id ${node} is out of range for ${numNodes} nodes (${nodeCountFrom})`);
    if (seenLine[node] > 0) throw new DataError("badValue", `${file}:${line}: node ${node} already has a label (line ${seenLine[node]})`);
    if (labels.values[k] >= numClasses) {
      throw new DataError("badValue", `${file}:${line}: label ${labels.values[k]} is out of range for ${numClasses} classes`);
    }
    seenLine[node] = line;
    out[node] = labels.values[k];
  }
}

function identityFeatures(n: number): Features {
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    indptr[i + 1] = i + 1;
    indices[i] = i;
  }
  return { kind: "csr", indptr, indices, data: new Float32Array(n).fill(1) };
}
