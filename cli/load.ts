import { dirname, resolve } from "node:path";
import { compile, type CompileResult } from "../compiler/index.js";
import type { DatasetResolver } from "../compiler/train/dataset.js";
import { dataSearchPath, datasetResolver as dataResolver } from "../runtime/data/index.js";
import type { Io } from "./io.js";

/** The data directory from `--data-dir`, else `GNNC_DATA_DIR`, else none. */
export function dataDirs(io: Io, flag: string | undefined): string[] {
  const dir = flag ?? io.env.GNNC_DATA_DIR;
  return dir ? [resolve(dir)] : [];
}

/**
 * Dataset sizes for compiling: given a data directory, from the directories training will search
 * (so a dataset training cannot find or read is an error already at check time); without one,
 * from a dataset `gnnc data get` put in the cache (or one in ./data), any other left symbolic —
 * the cache folder also holds other caches, so its existence says nothing about a dataset.
 */
export function datasetResolver(io: Io, dirs: string[]): DatasetResolver {
  if (dirs.length === 0) return dataResolver(dataSearchPath({ env: io.env }), "symbolic");
  return dataResolver(dataSearchPath({ dataDir: dirs, env: io.env }));
}

export interface LoadedSource {
  file: string;
  result: CompileResult;
  /** Every file read (the main one and its imports), for printing source frames. */
  sources: Map<string, string>;
}

/** Read and compile one `.gnn` file; undefined (after an error message) when it cannot be read. */
export function compileFile(io: Io, file: string, datasets: DatasetResolver | undefined): LoadedSource | undefined {
  const text = io.readFile(file);
  if (text === undefined) {
    io.err(`error: cannot read \`${file}\`: no such file or not readable\n`);
    return undefined;
  }
  const sources = new Map([[file, text]]);
  const readFile = (path: string) => {
    const t = io.readFile(path);
    if (t !== undefined) sources.set(path, t);
    return t;
  };
  const result = compile(text, { file, readFile, datasets, resolveImport: (from, spec) => resolve(dirname(from), spec) });
  return { file, result, sources };
}
