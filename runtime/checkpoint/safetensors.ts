import { hostOrderCopy, littleEndianBytes } from "./byte-order.js";
import { dtypeInfo, isSafetensorsDType, SAFETENSORS_DTYPES, type SafetensorsDType, type TensorArray } from "./dtypes.js";
import { CheckpointError } from "./errors.js";

/**
 * The safetensors format (what the PyTorch ecosystem reads): an 8-byte little-endian u64 header
 * length N, N bytes of UTF-8 JSON, then the tensors' little-endian bytes packed back to back.
 * The JSON maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets into
 * the bytes after the header) plus an optional `__metadata__` of string → string.
 * Pure encoding and decoding here; files are in safetensors-file.ts.
 */

export interface SafeTensor {
  dtype: SafetensorsDType;
  shape: readonly number[];
  data: TensorArray;
}

export type Metadata = Record<string, string>;

export interface SafetensorsContents {
  /** In the order of the data section. */
  tensors: Record<string, SafeTensor>;
  metadata: Metadata;
}

const METADATA_KEY = "__metadata__";

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function formatShape(shape: readonly unknown[]): string {
  return `[${shape.join(", ")}]`;
}

/** The parts of a safetensors file: the length prefix and header, then each tensor's bytes (views where possible, so nothing large is copied). */
export function encodeSafetensors(tensors: Readonly<Record<string, SafeTensor>>, metadata: Metadata = {}): Uint8Array[] {
  const header: Record<string, unknown> = { [METADATA_KEY]: metadata };
  const data: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === METADATA_KEY) throw new CheckpointError(`a tensor cannot be named \`${METADATA_KEY}\``);
    const info = dtypeInfo(t.dtype);
    if (!(t.data instanceof info.array)) throw new CheckpointError(`tensor \`${name}\`: dtype ${t.dtype} is stored as ${info.array.name}, got ${t.data.constructor.name}`);
    if (t.data.length !== elementCount(t.shape)) {
      throw new CheckpointError(`tensor \`${name}\`: shape ${formatShape(t.shape)} has ${elementCount(t.shape)} elements, but its data has ${t.data.length}`);
    }
    const bytes = littleEndianBytes(t.data);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    data.push(bytes);
  }
  // Padding to a multiple of 8 keeps the data section 8-byte aligned, as the reference writer does.
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  return [prefix, json, ...data];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Check one header entry's fields; the data section's bounds are checked by the caller. */
function parseEntry(name: string, raw: unknown, fail: (msg: string) => never): Entry {
  if (!isPlainObject(raw)) fail(`tensor \`${name}\`: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (!isSafetensorsDType(dtype)) fail(`tensor \`${name}\`: unknown dtype ${JSON.stringify(dtype)} (known: ${SAFETENSORS_DTYPES.join(", ")})`);
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor \`${name}\`: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(`tensor \`${name}\`: data_offsets must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as number[];
  const needed = elementCount(shape) * dtypeInfo(dtype).bytes;
  if (end - begin !== needed) {
    fail(`tensor \`${name}\`: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape ${formatShape(shape)} of ${dtype} needs ${needed}`);
  }
  return { name, dtype, shape, begin, end };
}

function parseMetadata(raw: unknown, fail: (msg: string) => never): Metadata {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) fail(`${METADATA_KEY} must be an object of strings`);
  for (const [k, v] of Object.entries(raw)) if (typeof v !== "string") fail(`${METADATA_KEY}.${k} must be a string, got ${JSON.stringify(v)}`);
  return raw as Metadata;
}

/**
 * Decode and validate a whole file's bytes. Every problem is a CheckpointError naming `file` and
 * the offending tensor or field: a header length beyond the file, a header that is not UTF-8
 * JSON, an unknown dtype, a byte count that disagrees with the shape, offsets that leave gaps,
 * overlap or run past the data.
 */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsContents {
  const fail: (msg: string) => never = (msg) => {
    throw new CheckpointError(msg, file);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a safetensors file (the header length alone takes 8)`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) fail(`header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes follow the length)`);
  const dataStart = 8 + Number(headerLength);

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    return fail("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isPlainObject(header)) return fail("header is not a JSON object");

  const metadata = parseMetadata(header[METADATA_KEY], fail);
  const dataLength = bytes.length - dataStart;
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, raw]) => parseEntry(name, raw, fail));
  for (const e of entries) {
    if (e.end > dataLength) fail(`tensor \`${e.name}\`: data_offsets [${e.begin}, ${e.end}] run past the end of the data (${dataLength} bytes; is the file truncated?)`);
  }
  // The tensors must tile the data section exactly: no gaps, no overlaps, nothing left over.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  entries.forEach((e, k) => {
    if (e.begin > covered) fail(`tensor \`${e.name}\`: data_offsets [${e.begin}, ${e.end}] leave bytes ${covered}..${e.begin} unused`);
    if (e.begin < covered) fail(`tensor \`${e.name}\`: data_offsets [${e.begin}, ${e.end}] overlap tensor \`${entries[k - 1].name}\``);
    covered = e.end;
  });
  if (covered !== dataLength) fail(`the tensors cover ${covered} bytes of data, but the file has ${dataLength} (trailing bytes)`);

  const tensors: Record<string, SafeTensor> = {};
  for (const e of entries) {
    const info = dtypeInfo(e.dtype);
    const buffer = hostOrderCopy(bytes.subarray(dataStart + e.begin, dataStart + e.end), info.bytes);
    tensors[e.name] = { dtype: e.dtype, shape: e.shape, data: new info.array(buffer) };
  }
  return { tensors, metadata };
}
