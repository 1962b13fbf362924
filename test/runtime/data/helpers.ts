import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { graphFromEdges } from "../../../compiler/ir/graph-value.js";
import type { Dataset } from "../../../runtime/data/dataset.js";

/** The shared benchmark data, when this machine has it (tests that need it skip otherwise). */
export const SHARED_DATA_DIR = resolve(process.env.GNNC_DATA_DIR ?? "../shared/data");
export const HAVE_SHARED_DATA = existsSync(join(SHARED_DATA_DIR, "cora", "meta.json"));
export const SKIP_REASON = `shared datasets not found at ${SHARED_DATA_DIR} (set GNNC_DATA_DIR)`;
// As GNNC_REQUIRE_GPU does for the GPU tests: in CI, tests that need the datasets fail without them instead of skipping.
if (process.env.GNNC_REQUIRE_DATA === "1" && !HAVE_SHARED_DATA) throw new Error(`GNNC_REQUIRE_DATA=1, but ${SKIP_REASON}`);

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "gnnc-data-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes of a `.npy` file: header text as given (padded like NumPy), then `data`. */
export function npyBytes(header: string, data: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const lengthBytes = version === 1 ? 2 : 4;
  const prefix = 8 + lengthBytes;
  const encoded = new TextEncoder().encode(header);
  let padded = encoded.length + 1;
  while ((prefix + padded) % 64 !== 0) padded++;
  const out = new Uint8Array(prefix + padded + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, padded, true);
  else view.setUint32(8, padded, true);
  out.set(encoded, prefix);
  out.fill(0x20, prefix + encoded.length, prefix + padded - 1);
  out[prefix + padded - 1] = 0x0a;
  out.set(data, prefix + padded);
  return out;
}

/** A `.npy` holding a typed array, header written as NumPy would. */
export function npyOf(descr: string, shape: number[], data: ArrayBufferView): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  return npyBytes(header, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/**
 * A small hand-made dataset: a 6-node undirected graph (two triangles joined by one edge),
 * CSR features, 2 classes, a split.
 */
export function tinyDataset(): Dataset {
  const pairs = [[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5], [2, 3]];
  const src = Int32Array.from(pairs.flatMap(([a, b]) => [a, b]));
  const dst = Int32Array.from(pairs.flatMap(([a, b]) => [b, a]));
  return {
    name: "tiny",
    numNodes: 6,
    numFeatures: 4,
    numClasses: 2,
    graph: graphFromEdges(6, src, dst),
    features: {
      kind: "csr",
      indptr: Int32Array.from([0, 2, 3, 4, 6, 7, 8]),
      indices: Int32Array.from([0, 1, 1, 2, 0, 3, 3, 2]),
      data: Float32Array.from([1, 3, 2, 5, 1, 1, 4, 0.5]),
    },
    labels: Int32Array.from([0, 0, 0, 1, 1, -1]),
    splits: { train: Int32Array.from([0, 3]), val: Int32Array.from([1, 4]), test: Int32Array.from([2]) },
  };
}

/** (src, dst) pairs of a graph as sorted "u-v" strings, for order-free comparison. */
export function edgeSet(ds: Dataset): string[] {
  const g = ds.graph;
  return Array.from(g.src, (s, e) => `${s}-${g.dst[e]}`).sort();
}
