import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import type { DatasetInfo, DatasetResolver } from "../../compiler/train/dataset.js";
import { type BinaryLoadOptions, loadBinaryDataset } from "./binary.js";
import type { LoadResult } from "./dataset.js";
import { DataError } from "./errors.js";
import { catalogEntry } from "./get/catalog.js";
import { readMeta } from "./meta.js";

/**
 * Finding datasets by name: `<dir>/<name>/meta.json` in each directory of the search path, in
 * order. The path is the directories passed in, then those in the GNNC_DATA_DIR environment
 * variable (several allowed, separated like PATH), then `./data`, then the download cache
 * (`gnnc data get`'s default folder).
 */

export const DATA_DIR_ENV = "GNNC_DATA_DIR";

export interface OpenOptions extends BinaryLoadOptions {
  /** Directory (or directories) searched first. */
  dataDir?: string | readonly string[];
  /** Environment to read GNNC_DATA_DIR from (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export function dataSearchPath(options: Pick<OpenOptions, "dataDir" | "env"> = {}): string[] {
  const env = options.env ?? process.env;
  const given = options.dataDir === undefined ? [] : typeof options.dataDir === "string" ? [options.dataDir] : [...options.dataDir];
  const fromEnv = (env[DATA_DIR_ENV] ?? "").split(delimiter).filter((d) => d !== "");
  const dirs = [...given, ...fromEnv, "data", cacheDir(env)].map((d) => resolve(d));
  return [...new Set(dirs)];
}

/** Where `gnnc data get` puts datasets unless told otherwise: $XDG_CACHE_HOME/gnnc, else ~/.cache/gnnc. */
export function cacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "gnnc");
  return join(env.HOME ?? homedir(), ".cache", "gnnc");
}

/** Loads the dataset `name` from the first directory of the search path that has it. */
export function openDataset(name: string, options: OpenOptions = {}): LoadResult {
  const dirs = dataSearchPath(options);
  const dir = findDatasetDir(name, dirs);
  if (dir === undefined) throw notFound(name, dirs);
  return loadBinaryDataset(dir, options);
}

/**
 * Sizes of dataset `name` from its meta.json alone (no array is read); undefined when no directory
 * has it, so it can back the compiler's DatasetResolver. A malformed meta.json is a DataError.
 */
export function describeDataset(name: string, dirs: readonly string[] = dataSearchPath()): DatasetInfo | undefined {
  const dir = findDatasetDir(name, dirs);
  if (dir === undefined) return undefined;
  const meta = readMeta(dir, name);
  const inputs = (["edge_weight", "edge_attr", "batch"] as const).filter((key) => meta.arrays[key] !== undefined);
  return {
    name: meta.name,
    numNodes: meta.numNodes,
    numEdges: meta.numEdges,
    numFeatures: meta.numFeatures,
    numClasses: meta.numClasses,
    splits: meta.splitNames ?? (meta.splitFile !== undefined ? splitNamesFromFile(dir, name, meta.splitFile) : []),
    ...(inputs.length ? { inputs } : {}),
    ...(meta.numEdgeFeatures !== undefined ? { numEdgeFeatures: meta.numEdgeFeatures } : {}),
    ...(meta.numGraphs !== undefined ? { numGraphs: meta.numGraphs } : {}),
  };
}

/**
 * The compiler's DatasetResolver over the directories loading searches (`dirs`): a dataset none
 * of them has, or whose metadata is broken, is described by the data error loading it would raise
 * — or, with `absent: "symbolic"`, a dataset none of them has is left undescribed (sizes symbolic, no warning).
 */
export function datasetResolver(dirs: readonly string[] = dataSearchPath(), absent: "error" | "symbolic" = "error"): DatasetResolver {
  return {
    ...(absent === "symbolic" ? { quietWhenAbsent: true } : {}),
    describe: (name) => {
      try {
        const info = describeDataset(name, dirs);
        if (!info && absent === "symbolic") return undefined;
        if (!info) throw notFound(name, dirs);
        return info;
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        return { code: e.code, message: e.message, help: e.help };
      }
    },
  };
}

/** Names of the datasets directly under `dir` (sub-folders holding a meta.json), sorted. */
export function listDatasets(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((e) => existsSync(join(dir, e, "meta.json"))).sort();
}

function findDatasetDir(name: string, dirs: readonly string[]): string | undefined {
  // A name is one folder name: no separators or `..` that would escape the data directory.
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) || name.includes("..")) {
    throw new DataError("notFound", `dataset name ${JSON.stringify(name)} is not valid (letters, digits, '_', '-', '.' only)`);
  }
  return dirs.map((d) => join(d, name)).find((d) => existsSync(join(d, "meta.json")));
}

function notFound(name: string, dirs: readonly string[]): DataError {
  const searched = dirs.map((d) => join(d, name, "meta.json")).join(", ");
  const available = [...new Set(dirs.flatMap(listDatasets))].sort();
  const close = available.filter((a) => editDistance(a, name) <= Math.max(1, Math.floor(name.length / 3)));
  const hint = close.length > 0 ? `; did you mean ${close.map((c) => `"${c}"`).join(" or ")}?` : "";
  const have = available.length > 0 ? `; available: ${available.join(", ")}` : "";
  const how = catalogEntry(name)
    ? `(download it with \`gnnc data get ${name}\`, or set ${DATA_DIR_ENV} to a folder that holds ${name}/meta.json)`
    : `(set ${DATA_DIR_ENV} or pass a data directory pointing at the folder that holds ${name}/meta.json)`;
  return new DataError("notFound", `dataset "${name}" not found; searched ${searched}${have}${hint} ${how}`);
}

function splitNamesFromFile(dir: string, label: string, splitFile: string): string[] {
  try {
    const raw: unknown = JSON.parse(readFileSync(join(dir, splitFile), "utf8"));
    return typeof raw === "object" && raw !== null ? Object.keys(raw) : [];
  } catch (e) {
    throw new DataError("notFound", `cannot read split names: ${(e as Error).message}`, `${label}/${splitFile}`);
  }
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
