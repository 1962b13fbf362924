import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gzipSync, zipSync } from "fflate";
import { loadBinaryDataset } from "../../../runtime/data/binary.js";
import { csbm } from "../../../runtime/data/csbm.js";
import { DataError } from "../../../runtime/data/errors.js";
import { CATALOG, catalogEntry, type CatalogEntry } from "../../../runtime/data/get/catalog.js";
import { getDataset } from "../../../runtime/data/get/get.js";
import { NumpyRandomState } from "../../../runtime/data/get/numpy-random.js";
import { asCsrMatrix, asNdArray, PyDict, readPickle } from "../../../runtime/data/get/pickle.js";
import { serveFolder, writePlanetoidMirror, writeShchurMirror } from "../../support/mirror.js";
import { pickleAdjacency, pickleArray, pickleCsr } from "../../support/pickle-writer.js";
import { HAVE_SHARED_DATA, SHARED_DATA_DIR, tempDir } from "./helpers.js";

/**
 * `gnnc data get` against a mirror on loopback (no network): files written from the shared
 * binary copies in their publishers' formats, downloaded, checked against sha256, converted, and
 * compared byte for byte with the shared copies.
 */

const scratch = tempDir("gnnc-get-");
let mirror: Awaited<ReturnType<typeof serveFolder>>;
const mirrorRoot = join(scratch.dir, "mirror");
beforeAll(async () => {
  mirror = await serveFolder(mirrorRoot);
});
afterAll(() => {
  mirror.server.close();
  scratch.cleanup();
});

const entry = (name: string) => catalogEntry(name)!;
let outputs = 0;
const freshDir = () => join(scratch.dir, `out${outputs++}`);

describe("NumPy's RandomState, bit for bit", () => {
  it("MT19937 seeded with init_genrand gives the reference outputs", () => {
    const rs = new NumpyRandomState(5489);
    expect([rs.nextUint32(), rs.nextUint32()]).toEqual([3499211612, 581869302]);
    expect(new NumpyRandomState(0).nextUint32()).toBe(2357136044);
  });

  it.skipIf(!HAVE_SHARED_DATA)("recomputes the shared Coauthor CS and Amazon Computers splits", () => {
    for (const name of ["coauthor_cs", "amazon_computers"]) {
      const ds = loadBinaryDataset(join(SHARED_DATA_DIR, name)).dataset;
      const rs = new NumpyRandomState(0);
      const split: Record<string, number[]> = { train: [], val: [], test: [] };
      for (let c = 0; c < ds.numClasses; c++) {
        const perm = rs.permutation([...ds.labels.keys()].filter((i) => ds.labels[i] === c));
        split.train.push(...perm.subarray(0, 20));
        split.val.push(...perm.subarray(20, 50));
        split.test.push(...perm.subarray(50));
      }
      for (const [k, v] of Object.entries(split)) expect(Int32Array.from(v).sort(), `${name} ${k}`).toEqual(ds.splits[k]);
    }
  });
});

describe("the pickle reader", () => {
  it("reads what Python 2's cPickle writes for arrays, CSR matrices and adjacency dicts", () => {
    const a = asNdArray(readPickle(pickleArray({ descr: "<i4", shape: [2, 3], data: [1, 0, 0, 0, 1, 0] }), "y"), "y", "y");
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Int32Array)).toEqual([1, 0, 0, 0, 1, 0]);
    const m = asCsrMatrix(readPickle(pickleCsr({ shape: [2, 4], data: Float32Array.of(1, 2), indices: Int32Array.of(3, 0), indptr: Int32Array.of(0, 1, 2) }), "x"), "x", "x");
    expect(m.shape).toEqual([2, 4]);
    expect(Array.from(m.indices.data as Int32Array)).toEqual([3, 0]);
    const many = new Map(Array.from({ length: 1500 }, (_, k) => [k, [k + 1, k + 2000]] as [number, number[]]));
    const d = readPickle(pickleAdjacency(many), "graph");
    expect(d).toBeInstanceOf(PyDict);
    expect((d as PyDict).entries.size).toBe(1500);
    expect((d as PyDict).get(1499)).toEqual([1500, 3499]);
  });

  it("refuses a pickle that calls anything but a data constructor, and names it", () => {
    const evil = new TextEncoder().encode("cos\nsystem\n(S'echo hi'\ntR.");
    expect(() => readPickle(evil, "ind.cora.x")).toThrow(/ind\.cora\.x: not a readable pickle: it calls os\.system/);
    expect(() => readPickle(Uint8Array.of(0x80, 2, 0x4b), "t")).toThrow(/truncated/);
  });
});

describe.skipIf(!HAVE_SHARED_DATA)("gnnc data get from a local mirror", () => {
  it(`cora: every array and the split byte-identical to the shared copy; meta.json too, but for the source files' ids`, async () => {
    const cora = writePlanetoidMirror(mirrorRoot, mirror.url, join(SHARED_DATA_DIR, "cora"), entry("cora"));
    const dir = freshDir();
    const events: string[] = [];
    const r = await getDataset("cora", { dir, mirror: mirror.url, catalog: [cora], onEvent: (e) => events.push(e.kind), now: () => new Date(0) });
    expect(r).toEqual({ dir: join(dir, "cora"), fetched: true, unverified: [] });
    const shared = join(SHARED_DATA_DIR, "cora");
    for (const f of ["edge_index.bin", "features_indptr.bin", "features_indices.bin", "features_data.bin", "labels.bin", "split.json"]) {
      expect(readFileSync(join(r.dir, f)).equals(readFileSync(join(shared, f))), f).toBe(true);
    }
    // With the published files (whose ids the shared meta.json records) meta.json is the shared one exactly.
    const ours = JSON.parse(readFileSync(join(r.dir, "meta.json"), "utf8"));
    const theirs = JSON.parse(readFileSync(join(shared, "meta.json"), "utf8"));
    for (const [path, file] of Object.entries(ours.source.files) as [string, { bytes: number; sha256: string }][]) {
      expect(file.sha256).toBe(cora.files.find((f) => f.path === path)!.sha256);
    }
    const withTheirSource = JSON.stringify({ ...ours, source: theirs.source }, null, 2) + "\n";
    expect(withTheirSource).toBe(readFileSync(join(shared, "meta.json"), "utf8"));
    const provenance = JSON.parse(readFileSync(join(r.dir, "provenance.json"), "utf8"));
    expect(provenance.retrieved).toBe("1970-01-01T00:00:00.000Z");
    expect(provenance.files.map((f: { verified: boolean }) => f.verified)).toEqual(Array(8).fill(true));
    expect(provenance.files[0].url).toBe(`${mirror.url}/github.com/kimiyoung/planetoid/raw/af6abf468a772cc055bec88c52e4d6f51b7c37e3/data/ind.cora.x`);
    expect(readdirSync(join(r.dir, "raw")).sort()).toEqual(cora.files.map((f) => f.path.slice(5)).sort());
    expect(events).toContain("download");
    expect(events.slice(-2)).toEqual(["converting", "written"]);
  });

  it("refuses files whose sha256 is not the recorded one, naming the file, and leaves nothing behind", async () => {
    writePlanetoidMirror(mirrorRoot, mirror.url, join(SHARED_DATA_DIR, "cora"), entry("cora"));
    const dir = freshDir();
    const attempt = getDataset("cora", { dir, mirror: mirror.url });
    await expect(attempt).rejects.toThrow(DataError);
    await expect(getDataset("cora", { dir, mirror: mirror.url })).rejects.toThrow(
      /data\/ind\.cora\.x from http:\/\/127\.0\.0\.1:\d+\/.*: sha256 [0-9a-f]{64} does not match the recorded 23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab/,
    );
    expect(existsSync(join(dir, "cora"))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("coauthor_cs from Shchur's npz: arrays and the numpy split byte-identical to the shared copy", async () => {
    const cs = writeShchurMirror(mirrorRoot, mirror.url, join(SHARED_DATA_DIR, "coauthor_cs"), entry("coauthor_cs"));
    const r = await getDataset("coauthor_cs", { dir: freshDir(), mirror: mirror.url, catalog: [cs] });
    const shared = join(SHARED_DATA_DIR, "coauthor_cs");
    for (const f of ["edge_index.bin", "features_indptr.bin", "features_indices.bin", "features_data.bin", "labels.bin", "split_random_seed0.json"]) {
      expect(readFileSync(join(r.dir, f)).equals(readFileSync(join(shared, f))), f).toBe(true);
    }
    const ours = JSON.parse(readFileSync(join(r.dir, "meta.json"), "utf8"));
    const theirs = JSON.parse(readFileSync(join(shared, "meta.json"), "utf8"));
    for (const key of ["arrays", "feature_kind", "feature_values", "class_names", "graph_source_stats", "split_sizes", "split_definition"]) expect(ours[key], key).toEqual(theirs[key]);
  }, 60_000);
});

describe("gnnc data get: the rest of its contract", () => {
  it("converts an OGB node-property zip (directed edges, valid → val)", async () => {
    const ds = csbm({ nodes: 60, classes: 3, features: 5, avg_degree: 4, homophily: 0.8, signal: 1, seed: 1 });
    const dense = new Float32Array(60 * 5);
    if (ds.features.kind === "csr") for (let i = 0; i < 60; i++) for (let k = ds.features.indptr[i]; k < ds.features.indptr[i + 1]; k++) dense[i * 5 + ds.features.indices[k]] = ds.features.data[k];
    const csv = (rows: (string | number)[][]) => gzipSync(new TextEncoder().encode(rows.map((r) => r.join(",")).join("\n") + "\n"));
    const oneWay = Array.from(ds.graph.src, (s, e) => [s, ds.graph.dst[e]]).filter(([s, d]) => s < d);
    const zip = zipSync({
      "tiny/raw/edge.csv.gz": csv(oneWay),
      "tiny/raw/node-feat.csv.gz": csv(Array.from({ length: 60 }, (_, i) => Array.from(dense.subarray(i * 5, i * 5 + 5)))),
      "tiny/raw/node-label.csv.gz": csv(Array.from(ds.labels, (y) => [y])),
      "tiny/split/random/train.csv.gz": csv(Array.from(ds.splits.train, (i) => [i])),
      "tiny/split/random/valid.csv.gz": csv(Array.from(ds.splits.val, (i) => [i])),
      "tiny/split/random/test.csv.gz": csv(Array.from(ds.splits.test, (i) => [i])),
    });
    const { writeFileSync, mkdirSync } = await import("node:fs");
    mkdirSync(join(mirrorRoot, "ogb.example"), { recursive: true });
    writeFileSync(join(mirrorRoot, "ogb.example", "tiny.zip"), zip);
    const tiny: CatalogEntry = { ...CATALOG.find((e) => e.name === "ogbn-arxiv")!, name: "ogbn-tiny", files: [{ url: "https://ogb.example/tiny.zip", path: "nodeproppred/tiny.zip" }], converter: { kind: "ogb-node", folder: "tiny", split: "random", addInverseEdges: true, featureKind: "test" } };
    const r = await getDataset("ogbn-tiny", { dir: freshDir(), mirror: mirror.url, catalog: [tiny] });
    expect(r.unverified).toEqual(["nodeproppred/tiny.zip"]);
    const back = loadBinaryDataset(r.dir).dataset;
    expect(Array.from(back.graph.src)).toEqual(Array.from(ds.graph.src));
    expect(back.splits).toEqual({ train: ds.splits.train, val: ds.splits.val, test: ds.splits.test });
    expect(Array.from(back.labels)).toEqual(Array.from(ds.labels));
  });

  it("names what went wrong: an unknown dataset, an HTTP error; a dataset already there is not fetched again", async () => {
    await expect(getDataset("corra", { dir: freshDir() })).rejects.toThrow(/no dataset "corra" in the catalog \(it has amazon_computers, .*cora, .*ogbn-arxiv/);
    const missing: CatalogEntry = { ...entry("cora"), name: "gone", files: [{ url: "https://nowhere.example/gone", path: "gone" }] };
    await expect(getDataset("gone", { dir: freshDir(), mirror: mirror.url, catalog: [missing] })).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/nowhere\.example\/gone: HTTP 404/);
    const dir = freshDir();
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(join(dir, "cora"), { recursive: true });
    writeFileSync(join(dir, "cora", "meta.json"), "{}");
    expect(await getDataset("cora", { dir, mirror: mirror.url })).toEqual({ dir: join(dir, "cora"), fetched: false, unverified: [] });
  });

  it.skipIf(!HAVE_SHARED_DATA)("the catalog's recorded checksums are those of the shared copies' provenance", () => {
    for (const name of ["cora", "pubmed"]) {
      const recorded = JSON.parse(readFileSync(join(SHARED_DATA_DIR, name, "meta.json"), "utf8")).source.files as Record<string, { sha256?: string }>;
      for (const f of entry(name).files) expect(f.sha256, f.path).toBe(recorded[f.path].sha256);
    }
  });
});
