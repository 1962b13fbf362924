import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join, normalize } from "node:path";
import { zipSync } from "fflate";
import { sourceUrl } from "../../runtime/data/get/get.js";
import type { CatalogEntry, CatalogFile } from "../../runtime/data/get/catalog.js";
import { loadBinaryDataset } from "../../runtime/data/binary.js";
import type { Dataset } from "../../runtime/data/dataset.js";
import { Rng } from "../../runtime/data/prng.js";
import { pickleAdjacency, pickleArray, pickleCsr } from "./pickle-writer.js";

/**
 * Local mirrors of the original dataset files, written from the shared binary copies in the
 * formats their publishers use (Planetoid's Python 2 pickles, Shchur's npz), and a loopback HTTP
 * server to serve them: what `gnnc data get` is tested against, with no network.
 */

/** Serve `root` on 127.0.0.1 (a free port); 404 for what is not there. */
export async function serveFolder(root: string): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    requests.push(path);
    try {
      const body = readFileSync(join(root, path));
      res.writeHead(200, { "content-length": body.length });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { url: `http://127.0.0.1:${address.port}`, server, requests };
}

/** Write `bytes` where the mirror serves `file`; returns the entry's file with the fixture's sha256. */
function place(root: string, mirrorUrl: string, file: CatalogFile, bytes: Uint8Array): CatalogFile {
  const path = join(root, new URL(sourceUrl(file, mirrorUrl)).pathname);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return { ...file, sha256: createHash("sha256").update(bytes).digest("hex") };
}

function csrRows(ds: Dataset, nodes: readonly number[]) {
  if (ds.features.kind !== "csr") throw new Error("csr features expected");
  const f = ds.features;
  const indptr = new Int32Array(nodes.length + 1);
  nodes.forEach((n, k) => (indptr[k + 1] = indptr[k] + f.indptr[n + 1] - f.indptr[n]));
  const indices = new Int32Array(indptr[nodes.length]);
  const data = new Float32Array(indptr[nodes.length]);
  nodes.forEach((n, k) => {
    indices.set(f.indices.subarray(f.indptr[n], f.indptr[n + 1]), indptr[k]);
    data.set(f.data.subarray(f.indptr[n], f.indptr[n + 1]), indptr[k]);
  });
  return { shape: [nodes.length, ds.numFeatures] as [number, number], data, indices, indptr };
}

function oneHot(ds: Dataset, nodes: readonly number[]) {
  const data = new Int32Array(nodes.length * ds.numClasses);
  nodes.forEach((n, k) => ds.labels[n] >= 0 && (data[k * ds.numClasses + ds.labels[n]] = 1));
  return pickleArray({ descr: "<i4", shape: [nodes.length, ds.numClasses], data });
}

/**
 * Planetoid's eight files for a shared Planetoid dataset folder: allx/ally the nodes before the
 * test range, x/y the train nodes, tx/ty the test nodes in a shuffled test.index order, and the
 * adjacency lists with as many repeated entries as the source had (meta.json's graph_source_stats),
 * so that converting them must reproduce the shared copy exactly. Returns the catalog entry
 * with the fixture's checksums.
 */
export function writePlanetoidMirror(root: string, mirrorUrl: string, sharedDir: string, entry: CatalogEntry): CatalogEntry {
  const ds = loadBinaryDataset(sharedDir).dataset;
  const meta = JSON.parse(readFileSync(join(sharedDir, "meta.json"), "utf8"));
  const test = [...ds.splits.test];
  const order = Array.from(new Rng(17).shuffle(Int32Array.from(test)));
  const before = Array.from({ length: ds.numNodes - test.length }, (_, i) => i);
  const train = [...ds.splits.train];
  const lists = new Map<number, number[]>();
  for (let e = 0; e < ds.graph.numEdges; e++) {
    const list = lists.get(ds.graph.src[e]) ?? lists.set(ds.graph.src[e], []).get(ds.graph.src[e])!;
    list.push(ds.graph.dst[e]);
  }
  // Repeat entries (the raw lists hold duplicates) until the count is the source's.
  let extra = meta.graph_source_stats.adjacency_list_entries - ds.graph.numEdges - meta.graph_source_stats.self_loop_entries;
  for (const list of lists.values()) if (extra-- > 0) list.push(list[0]);
  const sorted = new Map([...lists].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v.sort((a, b) => a - b)]));
  const files: Record<string, Uint8Array> = {
    x: pickleCsr(csrRows(ds, train)),
    y: oneHot(ds, train),
    tx: pickleCsr(csrRows(ds, order)),
    ty: oneHot(ds, order),
    allx: pickleCsr(csrRows(ds, before)),
    ally: oneHot(ds, before),
    graph: pickleAdjacency(sorted),
    "test.index": new TextEncoder().encode(order.map((n) => `${n}\n`).join("")),
  };
  return { ...entry, files: entry.files.map((f) => place(root, mirrorUrl, f, files[f.path.split(`ind.${meta.name}.`)[1]])) };
}

/** A `.npy` member: NumPy v1.0 header padded to 64 bytes, then the raw data. */
function npy(descr: string, shape: number[], data: ArrayBufferView): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let padded = header.length + 1;
  while ((10 + padded) % 64 !== 0) padded++;
  const out = new Uint8Array(10 + padded + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, padded, true);
  out.set(new TextEncoder().encode(header.padEnd(padded - 1, " ") + "\n"), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + padded);
  return out;
}

function unicodeArray(strings: readonly string[]): { descr: string; data: Uint32Array } {
  const width = Math.max(1, ...strings.map((s) => s.length));
  const data = new Uint32Array(strings.length * width);
  strings.forEach((s, k) => [...s].forEach((c, j) => (data[k * width + j] = c.codePointAt(0)!)));
  return { descr: `<U${width}`, data };
}

/** Shchur et al.'s npz of a shared Amazon/Coauthor folder: its (symmetric) adjacency, CSR attributes, labels, class names. */
export function writeShchurMirror(root: string, mirrorUrl: string, sharedDir: string, entry: CatalogEntry): CatalogEntry {
  const ds = loadBinaryDataset(sharedDir).dataset;
  const meta = JSON.parse(readFileSync(join(sharedDir, "meta.json"), "utf8"));
  const edgeIndex = new Int32Array(readFileSync(join(sharedDir, "edge_index.bin")).buffer.slice(0));
  const e = edgeIndex.length / 2;
  const adjIndptr = new Int32Array(ds.numNodes + 1);
  for (let k = 0; k < e; k++) adjIndptr[edgeIndex[k] + 1]++;
  for (let i = 0; i < ds.numNodes; i++) adjIndptr[i + 1] += adjIndptr[i];
  if (ds.features.kind !== "csr") throw new Error("csr features expected");
  const classes = unicodeArray(meta.class_names);
  const members = {
    "adj_data.npy": npy("<f4", [e], new Float32Array(e).fill(1)),
    "adj_indices.npy": npy("<i4", [e], edgeIndex.slice(e)),
    "adj_indptr.npy": npy("<i4", [ds.numNodes + 1], adjIndptr),
    "adj_shape.npy": npy("<i8", [2], BigInt64Array.of(BigInt(ds.numNodes), BigInt(ds.numNodes))),
    "attr_data.npy": npy("<f4", [ds.features.data.length], ds.features.data),
    "attr_indices.npy": npy("<i4", [ds.features.indices.length], ds.features.indices),
    "attr_indptr.npy": npy("<i4", [ds.numNodes + 1], ds.features.indptr),
    "attr_shape.npy": npy("<i8", [2], BigInt64Array.of(BigInt(ds.numNodes), BigInt(ds.numFeatures))),
    "labels.npy": npy("<i8", [ds.numNodes], BigInt64Array.from(ds.labels, (y) => BigInt(y))),
    "class_names.npy": npy(classes.descr, [meta.class_names.length], classes.data),
  };
  return { ...entry, files: entry.files.map((f) => place(root, mirrorUrl, f, zipSync(members, { level: 0 }))) };
}
