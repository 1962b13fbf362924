import { DATA_CODES, type DataCodeName } from "./codes.js";

/**
 * Every problem found in input data is a DataError with a code (E7xx, see codes.ts) and a one-line
 * message that names the file, the array and the offending position and value, so a user can go
 * straight to the bad byte.
 */
export class DataError extends Error {
  /** The file (as shown to the user) the problem was found in, when there is one. */
  readonly file: string | undefined;
  readonly code: string;
  /** What to do about this kind of problem. */
  readonly help: string;

  constructor(kind: DataCodeName, message: string, file?: string) {
    super(file === undefined ? message : `${file}: ${message}`);
    this.name = "DataError";
    this.file = file;
    this.code = DATA_CODES[kind].code;
    this.help = DATA_CODES[kind].help;
  }
}

/** Formats a flat index into a row-major array as `name[i][j]…` (e.g. `edge_index[1][734]`). */
export function formatIndex(name: string, shape: readonly number[], flat: number): string {
  if (shape.length <= 1) return `${name}[${flat}]`;
  const parts: number[] = new Array(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    parts[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return name + parts.map((p) => `[${p}]`).join("");
}

/** A value as it should appear in a message: NaN, Infinity and -0 spelled out. */
export function formatValue(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}
