import { describe, expect, it } from "vitest";
import { CheckpointError, decodeSafetensors, encodeSafetensors, type SafeTensor } from "../../runtime/checkpoint/index.js";
import { concat, headerOf, rawFile } from "./helpers.js";

const FILE = "model.safetensors";

/** One tensor of every dtype family, with awkward values: NaN payloads, -0, infinities, extremes. */
function sampleTensors(): Record<string, SafeTensor> {
  const f32 = new Float32Array([1.5, -0, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1e-45]);
  new Uint32Array(f32.buffer)[2] = 0x7fc01234; // a NaN with a payload must survive bit for bit
  return {
    "conv1.lin.weight": { dtype: "F32", shape: [7], data: f32 },
    "opt.m.conv1.lin.weight": { dtype: "F64", shape: [2, 2], data: new Float64Array([Math.PI, -0, Number.MIN_VALUE, -1e308]) },
    counts: { dtype: "I32", shape: [3], data: new Int32Array([-2147483648, 0, 2147483647]) },
    ids: { dtype: "U32", shape: [2], data: new Uint32Array([0, 4294967295]) },
    mask: { dtype: "BOOL", shape: [3], data: new Uint8Array([1, 0, 1]) },
    half: { dtype: "F16", shape: [2], data: new Uint16Array([0x3c00, 0xfc00]) },
    big: { dtype: "I64", shape: [1], data: new BigInt64Array([-(2n ** 63n)]) },
    empty: { dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
    scalar: { dtype: "F32", shape: [], data: new Float32Array([2]) },
  };
}

function bytesOf(t: SafeTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

describe("safetensors encoding", () => {
  it("reads back what it writes, bit for bit, with the metadata", () => {
    const tensors = sampleTensors();
    const back = decodeSafetensors(concat(encodeSafetensors(tensors, { format: "test", note: "ünïcode ✓" })), FILE);
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const r = back.tensors[name];
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(r.data.constructor).toBe(t.data.constructor);
      expect(bytesOf(r)).toEqual(bytesOf(t));
    }
    expect(back.metadata).toEqual({ format: "test", note: "ünïcode ✓" });
  });

  it("writes the standard header: u64 length, JSON with dtype/shape/data_offsets, packed in order, padded to 8", () => {
    const tensors = sampleTensors();
    const file = concat(encodeSafetensors(tensors, { a: "b" }));
    const { length, json, text } = headerOf(file);
    expect(length % 8).toBe(0);
    expect(text).toMatch(/^\{.*\} *$/s); // padding is trailing spaces only
    expect(json.__metadata__).toEqual({ a: "b" });
    let offset = 0;
    for (const [name, t] of Object.entries(tensors)) {
      expect(json[name]).toEqual({ dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] });
      offset += t.data.byteLength;
    }
    expect(file.length).toBe(8 + length + offset);
    // Little-endian data: the first F32 element (1.5 = 0x3fc00000) starts with its low byte.
    expect([...file.subarray(8 + length, 8 + length + 4)]).toEqual([0x00, 0x00, 0xc0, 0x3f]);
  });

  it("reads a file written by another tool: no padding, no metadata, tensors listed out of data order", () => {
    const file = rawFile('{"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', [
      0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 5, 0, 0, 0,
    ]);
    const r = decodeSafetensors(file, FILE);
    expect([...(r.tensors.a.data as Float32Array)]).toEqual([1, 2]);
    expect([...(r.tensors.b.data as Int32Array)]).toEqual([5]);
    expect(r.metadata).toEqual({});
  });

  it("rejects data that does not match its declaration", () => {
    expect(() => encodeSafetensors({ w: { dtype: "F32", shape: [3], data: new Float32Array(2) } })).toThrow("shape [3] has 3 elements, but its data has 2");
    expect(() => encodeSafetensors({ w: { dtype: "F64", shape: [2], data: new Float32Array(2) } })).toThrow("dtype F64 is stored as Float64Array");
    expect(() => encodeSafetensors({ __metadata__: { dtype: "U8", shape: [0], data: new Uint8Array(0) } })).toThrow("cannot be named");
  });
});

describe("safetensors validation", () => {
  const entry = (dtype: string, shape: unknown, offsets: unknown) => JSON.stringify({ dtype, shape, data_offsets: offsets });
  const decodeError = (bytes: Uint8Array): string => {
    try {
      decodeSafetensors(bytes, FILE);
    } catch (e) {
      expect(e).toBeInstanceOf(CheckpointError);
      return (e as Error).message;
    }
    throw new Error("expected a CheckpointError");
  };
  const good = () => concat(encodeSafetensors({ w: { dtype: "F32", shape: [4], data: new Float32Array([1, 2, 3, 4]) } }));

  it("names the file and the problem in one line", () => {
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(5), "5 bytes is too short for a safetensors file"],
      [rawFile("{}", []).map((b, k) => (k === 0 ? 200 : b)), "header length 200 runs past the end of the file"],
      [rawFile('{"w": ', []), "header is not valid JSON"],
      [rawFile("[1,2]", []), "header is not a JSON object"],
      [rawFile("\xff", []), "header is not valid UTF-8"],
      [rawFile(`{"w":${entry("Q8", [1], [0, 1])}}`, [0]), 'tensor `w`: unknown dtype "Q8"'],
      [rawFile(`{"w":${entry("F32", [-1], [0, 4])}}`, [0, 0, 0, 0]), "tensor `w`: shape must be a list of non-negative integers, got [-1]"],
      [rawFile(`{"w":${entry("F32", [1], [4, 0])}}`, [0, 0, 0, 0]), "tensor `w`: data_offsets must be [begin, end]"],
      [rawFile(`{"w":${entry("F32", [2], [0, 4])}}`, [0, 0, 0, 0]), "tensor `w`: data_offsets [0, 4] hold 4 bytes, but shape [2] of F32 needs 8"],
      [rawFile(`{"w":${entry("F32", [2], [0, 8])}}`, [0, 0, 0, 0]), "tensor `w`: data_offsets [0, 8] run past the end of the data (4 bytes; is the file truncated?)"],
      [rawFile(`{"w":${entry("F32", [1], [4, 8])}}`, [0, 0, 0, 0, 0, 0, 0, 0]), "tensor `w`: data_offsets [4, 8] leave bytes 0..4 unused"],
      [rawFile(`{"a":${entry("F32", [2], [0, 8])},"b":${entry("F32", [1], [4, 8])}}`, new Array(8).fill(0)), "data_offsets [4, 8] overlap tensor `a`"],
      [rawFile(`{"w":${entry("U8", [1], [0, 1])}}`, [1, 2]), "the tensors cover 1 bytes of data, but the file has 2 (trailing bytes)"],
      [rawFile(`{"__metadata__":{"epoch":3}}`, []), "__metadata__.epoch must be a string, got 3"],
      [good().subarray(0, good().length - 3), "tensor `w`: data_offsets [0, 16] run past the end of the data (13 bytes; is the file truncated?)"],
    ];
    for (const [bytes, message] of cases) {
      const got = decodeError(bytes);
      expect(got).toContain(message);
      expect(got.startsWith(`${FILE}: `)).toBe(true);
      expect(got).not.toContain("\n");
    }
  });
});
