import { describe, expect, it } from "vitest";
import { DataError } from "../../../runtime/data/errors.js";
import { npyToInt32, parseNpy } from "../../../runtime/data/npy.js";
import { parsePyLiteral } from "../../../runtime/data/py-literal.js";
import { npyBytes, npyOf } from "./helpers.js";

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe("Python literal header parser", () => {
  it("parses NumPy headers, including py2 long suffixes and odd spacing", () => {
    expect(parsePyLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", "x")).toEqual({
      descr: "<f4",
      fortran_order: false,
      shape: [3, 4],
    });
    expect(parsePyLiteral(`{"shape":(2708L,),"fortran_order":True,"descr":"|i1"}`, "x")).toEqual({
      shape: [2708],
      fortran_order: true,
      descr: "|i1",
    });
    expect(parsePyLiteral("{'shape': ()}", "x")).toEqual({ shape: [] });
    expect(parsePyLiteral("[('a', '<f4'), ('b', None)]", "x")).toEqual([["a", "<f4"], ["b", null]]);
  });

  it("rejects malformed headers with the offset", () => {
    expect(() => parsePyLiteral("{'descr': '<f4' 'shape': (1,)}", "h.npy")).toThrow(/^h\.npy: bad \.npy header at offset 16: expected ',' or '}'/);
    expect(() => parsePyLiteral("{'descr': <f4}", "h.npy")).toThrow(/unexpected character/);
    expect(() => parsePyLiteral("{'a': 1} x", "h.npy")).toThrow(/trailing characters/);
  });
});

describe("parseNpy", () => {
  it("reads every supported numeric dtype", () => {
    const cases: [string, ArrayBufferView & ArrayLike<number | bigint>][] = [
      ["<f4", Float32Array.from([1.5, -2, 3])],
      ["<f8", Float64Array.from([1e-300, 2, 3])],
      ["<i4", Int32Array.from([-1, 0, 2147483647])],
      ["<i8", BigInt64Array.from([-5n, 0n, 1n << 40n])],
      ["|i1", Int8Array.from([-128, 0, 127])],
      ["|u1", Uint8Array.from([0, 128, 255])],
      ["<u2", Uint16Array.from([1, 2, 65535])],
      ["<u4", Uint32Array.from([1, 2, 4294967295])],
    ];
    for (const [descr, data] of cases) {
      const a = parseNpy(npyOf(descr, [3], data), "x.npy");
      expect(a.descr).toBe(descr);
      expect(a.shape).toEqual([3]);
      expect(Array.from(a.data as ArrayLike<number | bigint>)).toEqual(Array.from(data));
    }
  });

  it("reads versions 2.0 and 3.0 (4-byte header length; v3 header is UTF-8)", () => {
    const data = bytesOf(Int32Array.from([1, 2, 3, 4, 5, 6]));
    for (const version of [2, 3] as const) {
      const a = parseNpy(npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", data, version), "x.npy");
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it("decodes fixed-width unicode strings", () => {
    const words = ["Cora", "ü", "🙂x"];
    const width = 4;
    const raw = new Uint32Array(words.length * width);
    words.forEach((w, i) => Array.from(w).forEach((ch, j) => (raw[i * width + j] = ch.codePointAt(0)!)));
    const a = parseNpy(npyOf("<U4", [3], raw), "names.npy");
    expect(a.data).toEqual(words);
  });

  it("reads 0-d and empty arrays", () => {
    expect(parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", bytesOf(Float64Array.from([7]))), "x").data).toEqual(
      Float64Array.from([7]),
    );
    expect(parseNpy(npyOf("<f4", [0], new Float32Array(0)), "x").data).toEqual(new Float32Array(0));
  });

  it("copies data into an aligned buffer whatever the offset", () => {
    const inner = npyOf("<f4", [2], Float32Array.from([1, 2]));
    const shifted = new Uint8Array(inner.length + 1);
    shifted.set(inner, 1);
    expect(Array.from(parseNpy(shifted.subarray(1), "x").data as Float32Array)).toEqual([1, 2]);
  });

  it("rejects what it cannot read, clearly", () => {
    const header = (descr: string, extra = "'fortran_order': False, 'shape': (2,)") => `{'descr': ${descr}, ${extra}, }`;
    const four = bytesOf(Float32Array.from([1, 2]));
    const cases: [Uint8Array, RegExp][] = [
      [npyBytes(header("'>f4'"), four), /^a\.npy: big-endian dtype '>f4' is not supported; re-save with a\.astype\('<f4'\)$/],
      [npyBytes(header("'<f4'", "'fortran_order': True, 'shape': (1, 2)"), four), /fortran_order arrays are not supported/],
      [npyBytes(header("'|O'"), four), /object arrays \('\|O'\) need Python pickle/],
      [npyBytes(header("'<c8'"), four), /unsupported dtype '<c8'/],
      [npyBytes(header("[('a', '<f4')]"), four), /structured \(record\) dtypes are not supported/],
      [npyBytes(header("'<f4'", "'shape': (2,)"), four), /\.npy header has no 'fortran_order'/],
      [npyBytes(header("'<f4'", "'fortran_order': False, 'shape': (3,)"), four), /data is truncated: 8 bytes, shape \(3\) of '<f4' needs 12; element\[2\] onwards are missing/],
      [npyBytes(header("'<f4'", "'fortran_order': False, 'shape': (1,)"), four), /data has 4 bytes more than shape \(1\)/],
      [new TextEncoder().encode("PK\u0003\u0004 not npy"), /not a \.npy file/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => parseNpy(bytes, "a.npy")).toThrow(DataError);
      expect(() => parseNpy(bytes, "a.npy")).toThrow(message);
    }
    const v4 = npyOf("<f4", [2], Float32Array.from([1, 2]));
    v4[6] = 4;
    expect(() => parseNpy(v4, "a.npy")).toThrow(/unsupported \.npy format version 4\.0/);
  });

  it("narrows int64 to int32 only when every value fits", () => {
    const ok = parseNpy(npyOf("<i8", [2], BigInt64Array.from([3n, -4n])), "x");
    expect(npyToInt32(ok, "x.npy", "ids")).toEqual(Int32Array.from([3, -4]));
    const big = parseNpy(npyOf("<i8", [2], BigInt64Array.from([3n, 1n << 33n])), "x");
    expect(() => npyToInt32(big, "x.npy", "ids")).toThrow("x.npy: ids[1] = 8589934592 does not fit in int32");
  });
});
