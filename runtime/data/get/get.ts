import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Dataset } from "../dataset.js";
import { DataError } from "../errors.js";
import { saveBinaryDataset } from "../write-binary.js";
import { CATALOG, catalogEntry, type CatalogEntry, type CatalogFile } from "./catalog.js";
import { download, type Progress } from "./download.js";
import { ogbNodeDataset } from "./ogb.js";
import { PLANETOID_PARTS, planetoidDataset, type PlanetoidPart } from "./planetoid.js";
import { SHCHUR_SPLIT_DEFINITION, SHCHUR_SPLIT_FILE, shchurDataset } from "./shchur.js";

/**
 * `gnnc data get NAME`: download a catalog dataset's original files, check each against its
 * recorded sha256, convert them to the binary format, and record where everything came from —
 * in meta.json's `source` (repository, commit, and each file's git blob id, size and sha256) and
 * in provenance.json (the URLs fetched, when, whether each was verified). The folder is built
 * beside the target and renamed into place at the end, so a failure leaves no half dataset; the
 * original files stay in its `raw/` folder.
 */

export interface GetOptions {
  /** The data folder the dataset goes into (as `<dir>/<name>/`). */
  dir: string;
  /** A base URL serving the files under their URLs' host and path (`<mirror>/github.com/…`). */
  mirror?: string;
  /** Entries that take precedence over the built-in catalog (a `--catalog` file). */
  catalog?: readonly CatalogEntry[];
  /** Replace a copy that is already there. */
  force?: boolean;
  /** What fetched and converted it, for provenance.json (`gnnc 0.1.0`). */
  tool?: string;
  onEvent?(e: GetEvent): void;
  /** The clock, for provenance.json's time stamp. */
  now?: () => Date;
}

export type GetEvent =
  | { kind: "download"; file: string; progress: Progress }
  | { kind: "verified"; file: string; sha256: string; recorded: boolean }
  | { kind: "converting"; converter: string }
  | { kind: "written"; dir: string };

export interface GetResult {
  dir: string;
  /** False when the dataset was already there (and `force` was not given). */
  fetched: boolean;
  /** Files with no recorded checksum, whose sha256 was only recorded, not checked. */
  unverified: string[];
}

export async function getDataset(name: string, o: GetOptions): Promise<GetResult> {
  const entry = catalogEntry(name, o.catalog);
  if (!entry) {
    const names = [...new Set([...(o.catalog ?? []), ...CATALOG].map((e) => e.name))].sort();
    throw new DataError("notFound", `no dataset "${name}" in the catalog (it has ${names.join(", ")})`);
  }
  const target = join(o.dir, name);
  if (existsSync(join(target, "meta.json")) && !o.force) return { dir: target, fetched: false, unverified: [] };
  const staging = join(o.dir, `.${name}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, "raw"), { recursive: true });
  try {
    const fetched = [];
    for (const file of entry.files) fetched.push(await fetchFile(file, staging, o));
    const raw = new Map(fetched.map((f) => [f.file.path, readFileSync(f.local)]));
    o.onEvent?.({ kind: "converting", converter: entry.converter.kind });
    const converted = convert(entry, raw);
    saveBinaryDataset(staging, converted.dataset, {
      describe: converted.describe,
      splitFile: converted.splitFile,
      provenance: {
        split_definition: converted.splitDefinition,
        source: {
          repository: entry.repository,
          ...(entry.commit ? { commit: entry.commit } : {}),
          files: Object.fromEntries(fetched.map((f) => [f.file.path, { blob: f.blob, bytes: f.bytes, sha256: f.sha256 }])),
        },
      },
    });
    const provenance = {
      dataset: name,
      retrieved: (o.now?.() ?? new Date()).toISOString(),
      tool: o.tool ?? "gnnc",
      converter: entry.converter.kind,
      cite: entry.cite,
      files: fetched.map((f) => ({ url: f.url, final_url: f.finalUrl, path: f.file.path, bytes: f.bytes, sha256: f.sha256, verified: f.verified })),
    };
    writeFileSync(join(staging, "provenance.json"), JSON.stringify(provenance, null, 2) + "\n");
    swapIn(staging, target);
    o.onEvent?.({ kind: "written", dir: target });
    return { dir: target, fetched: true, unverified: fetched.filter((f) => !f.verified).map((f) => f.file.path) };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Where a file is fetched from: its URL, or the mirror's copy under the URL's host and path. */
export function sourceUrl(file: CatalogFile, mirror?: string): string {
  if (!mirror) return file.url;
  const u = new URL(file.url);
  return `${mirror.replace(/\/+$/, "")}/${u.host}${u.pathname}`;
}

async function fetchFile(file: CatalogFile, staging: string, o: GetOptions) {
  const url = sourceUrl(file, o.mirror);
  const local = join(staging, "raw", basename(file.path));
  const got = await download(url, local, (progress) => o.onEvent?.({ kind: "download", file: file.path, progress }));
  if (file.sha256 !== undefined && got.sha256 !== file.sha256) {
    throw new DataError("download", `${file.path} from ${url}: sha256 ${got.sha256} does not match the recorded ${file.sha256} (${got.bytes} bytes received)`);
  }
  o.onEvent?.({ kind: "verified", file: file.path, sha256: got.sha256, recorded: file.sha256 !== undefined });
  const bytes = readFileSync(local);
  return { file, url, local, finalUrl: got.finalUrl, bytes: got.bytes, sha256: got.sha256, blob: gitBlobId(bytes), verified: file.sha256 !== undefined };
}

/** Git's id of a file's content: sha1 of `blob <size>\0` and the bytes. */
function gitBlobId(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

interface Converted {
  dataset: Dataset;
  describe: Record<string, unknown>;
  splitFile: string;
  splitDefinition: string;
}

function convert(entry: CatalogEntry, raw: ReadonlyMap<string, Uint8Array>): Converted {
  const c = entry.converter;
  const only = () => [...raw.values()][0];
  switch (c.kind) {
    case "planetoid": {
      const parts = Object.fromEntries(PLANETOID_PARTS.map((p) => [p, rawPart(raw, `ind.${c.prefix}.${p}`)])) as Record<PlanetoidPart, Uint8Array>;
      const r = planetoidDataset(c.prefix, parts);
      const labelled = r.dataset.labels.reduce((n, y) => n + (y >= 0 ? 1 : 0), 0);
      return {
        dataset: { ...r.dataset, name: entry.name },
        describe: { feature_kind: c.featureKind, features_complete: true, num_labelled_nodes: labelled, graph_source_stats: r.graphSourceStats },
        splitFile: "split.json",
        splitDefinition:
          "Planetoid/GCN public split: train = nodes 0..len(y)-1 (20 per class), val = next 500 nodes, test = the 1000 ids of ind.<name>.test.index (sorted)",
      };
    }
    case "shchur-npz": {
      const r = shchurDataset(entry.name, only(), basename(entry.files[0].path), c.featureKind);
      return { dataset: r.dataset, describe: r.describe, splitFile: SHCHUR_SPLIT_FILE, splitDefinition: SHCHUR_SPLIT_DEFINITION };
    }
    case "ogb-node": {
      const r = ogbNodeDataset(entry.name, only(), basename(entry.files[0].path), c);
      const { split_definition, ...describe } = r.describe;
      return { dataset: r.dataset, describe: { feature_kind: c.featureKind, ...describe }, splitFile: "split.json", splitDefinition: String(split_definition) };
    }
  }
}

function rawPart(raw: ReadonlyMap<string, Uint8Array>, fileName: string): Uint8Array {
  for (const [path, bytes] of raw) if (basename(path) === fileName) return bytes;
  throw new DataError("notFound", `the catalog entry lists no file ${fileName}`);
}

/** Replace `target` by `staging` (a rename; an old copy is moved aside first and removed after). */
function swapIn(staging: string, target: string): void {
  const old = `${target}.old-${process.pid}`;
  const had = existsSync(target);
  if (had) renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (e) {
    if (had) renameSync(old, target);
    throw e;
  }
  if (had) rmSync(old, { recursive: true, force: true });
}
