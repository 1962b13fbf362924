import { DataError, formatIndex } from "./errors.js";
import { parsePyLiteral, type PyValue } from "./py-literal.js";

/**
 * NumPy `.npy` reader (format versions 1.0, 2.0, 3.0): magic `\x93NUMPY`, version, header length
 * (uint16 for v1, uint32 for v2/v3), a Python-dict header {descr, fortran_order, shape}, then the
 * raw C-order data. Little-endian numeric dtypes, bool, and fixed-width unicode (`<U*`).
 */

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

export interface NpyArray {
  /** NumPy dtype string as written, e.g. `<f4`, `|i1`, `<U7`. */
  descr: string;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type NumericCtor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): Exclude<NpyData, string[]> };
const NUMERIC: Record<string, NumericCtor> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  u1: Uint8Array,
  b1: Uint8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
  i8: BigInt64Array,
  u8: BigUint64Array,
};

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DataError("malformed", "not a .npy file (missing the \\x93NUMPY magic)", file);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) throw new DataError("malformed", `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new DataError("malformed", "truncated .npy header", file);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw new DataError("malformed", `truncated .npy header: says ${headerLength} bytes, file has ${bytes.length - headerStart} after the length field`, file);
  }
  const headerText = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, dataStart));
  const { descr, shape } = parseHeader(headerText, file);
  return { descr, shape, data: decodeData(bytes.subarray(dataStart), descr, shape, file) };
}

function parseHeader(text: string, file: string): { descr: string; shape: number[] } {
  const header = parsePyLiteral(text, file);
  if (!isDict(header)) throw new DataError("malformed", `.npy header is not a dict: ${text.trim()}`, file);
  for (const key of ["descr", "fortran_order", "shape"]) {
    if (!(key in header)) throw new DataError("malformed", `.npy header has no '${key}': ${text.trim()}`, file);
  }
  const { descr, fortran_order: fortran, shape } = header;
  if (Array.isArray(descr)) throw new DataError("malformed", "structured (record) dtypes are not supported", file);
  if (typeof descr !== "string") throw new DataError("malformed", `.npy header 'descr' must be a string, found ${JSON.stringify(descr)}`, file);
  if (typeof fortran !== "boolean") throw new DataError("malformed", `.npy header 'fortran_order' must be True or False`, file);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    throw new DataError("malformed", `.npy header 'shape' must be a tuple of non-negative integers, found ${JSON.stringify(shape)}`, file);
  }
  // A 1-D array has the same bytes in either order; only 2-D and up would need transposing.
  if (fortran && shape.length > 1) {
    throw new DataError("malformed", "fortran_order arrays are not supported; save with numpy.ascontiguousarray(a)", file);
  }
  return { descr, shape: shape as number[] };
}

function decodeData(raw: Uint8Array, descr: string, shape: number[], file: string): NpyData {
  const m = /^([<>|=])([a-zA-Z])(\d*)$/.exec(descr);
  if (m && m[2] === "O") throw new DataError("malformed", `object arrays ('${descr}') need Python pickle and are not supported`, file);
  if (!m || m[3] === "") throw new DataError("malformed", `unsupported dtype '${descr}'`, file);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const isUnicode = kind === "U";
  const itemSize = isUnicode ? 4 * size : size;
  if (order === ">" && itemSize > 1) {
    throw new DataError("malformed", `big-endian dtype '${descr}' is not supported; re-save with a.astype('<${kind}${size}')`, file);
  }
  const ctor = isUnicode ? undefined : NUMERIC[`${kind}${size}`];
  if (!isUnicode && !ctor) throw new DataError("malformed", `unsupported dtype '${descr}'`, file);
  const count = shape.reduce((p, d) => p * d, 1);
  const needed = count * itemSize;
  if (raw.length < needed) {
    throw new DataError(
      "sizeMismatch",
      `data is truncated: ${raw.length} bytes, shape (${shape.join(", ")}) of '${descr}' needs ${needed}; ` +
        `${formatIndex("element", shape, Math.floor(raw.length / itemSize))} onwards are missing`,
      file,
    );
  }
  if (raw.length > needed) {
    throw new DataError("sizeMismatch", `data has ${raw.length - needed} bytes more than shape (${shape.join(", ")}) of '${descr}' needs`, file);
  }
  if (!ctor) return decodeUtf32(raw, count, size, file);
  // Copy: the result owns an aligned buffer whatever the member's offset inside the archive was.
  const own = raw.slice();
  return new ctor(own.buffer, 0, count);
}

/** Fixed-width UTF-32LE strings; NumPy pads with NUL code points, which are dropped. */
function decodeUtf32(raw: Uint8Array, count: number, width: number, file: string): string[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const points: number[] = [];
    for (let j = 0; j < width; j++) {
      const cp = view.getUint32((i * width + j) * 4, true);
      if (cp === 0) break;
      if (cp > 0x10ffff) throw new DataError("badValue", `element ${i} holds ${cp}, which is not a Unicode code point`, file);
      points.push(cp);
    }
    out[i] = String.fromCodePoint(...points);
  }
  return out;
}

function isDict(v: PyValue): v is { [key: string]: PyValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An integer array as Int32Array; 64-bit and unsigned values are range-checked. */
export function npyToInt32(a: NpyArray, file: string, name: string): Int32Array {
  const d = a.data;
  if (d instanceof Int32Array) return d;
  if (Array.isArray(d) || d instanceof Float32Array || d instanceof Float64Array) {
    throw new DataError("malformed", `${name} has dtype '${a.descr}'; expected an integer array`, file);
  }
  const out = new Int32Array(d.length);
  for (let k = 0; k < d.length; k++) {
    const v = Number(d[k]);
    if (v > 2147483647 || v < -2147483648) {
      throw new DataError("badValue", `${formatIndex(name, a.shape, k)} = ${d[k]} does not fit in int32`, file);
    }
    out[k] = v;
  }
  return out;
}

/** A numeric array as Float32Array (float64 is rounded to float32, as every GNN library does). */
export function npyToFloat32(a: NpyArray, file: string, name: string): Float32Array {
  const d = a.data;
  if (d instanceof Float32Array) return d;
  if (Array.isArray(d)) throw new DataError("malformed", `${name} has dtype '${a.descr}'; expected a numeric array`, file);
  const out = new Float32Array(d.length);
  for (let k = 0; k < d.length; k++) out[k] = Number(d[k]);
  return out;
}
