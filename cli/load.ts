import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { compile, type CompileResult } from "../compiler/index.js";
import type { DatasetResolver } from "../compiler/train/dataset.js";
import { cacheDir, dataSearchPath, datasetResolver as dataResolver } from "../runtime/data/index.js";
import type { Io } from "./io.js";

/**
 * The data directory from `--data-dir`, else `GNNC_DATA_DIR`, else the download cache when
 * `gnnc data get` has made it, else none (dataset sizes stay symbolic).
 */
export function dataDirs(io: Io, flag: string | undefined): string[] {
  const dir = flag ?? io.env.GNNC_DATA_DIR ?? (existsSync(cacheDir(io.env)) ? cacheDir(io.env) : undefined);
  return dir ? [resolve(dir)] : [];
}

/**
 * Dataset sizes for compiling, once a data directory is given: from the directories training will
 * search (so a dataset training cannot find or read is an error already at check time).
 */
export function datasetResolver(io: Io, dirs: string[]): DatasetResolver | undefined {
  return dirs.length === 0 ? undefined : dataResolver(dataSearchPath({ dataDir: dirs, env: io.env }));
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
