/**
 * Writes Python 2 protocol-2 pickles of the objects Planetoid's raw files hold — NumPy arrays,
 * SciPy CSR matrices, a defaultdict of adjacency lists — with the opcodes cPickle emits for them
 * (GLOBAL, REDUCE, BUILD, NEWOBJ, BINPUT memoisation, SETITEMS/APPENDS batches of 1000), so
 * that tests can serve files in the original format made from the shared binary copy.
 */

export type NpArray = { descr: "<f4" | "<f8" | "<i4" | "<i8"; shape: number[]; data: ArrayLike<number> };
export type Csr = { shape: [number, number]; data: Float32Array; indices: Int32Array; indptr: Int32Array };

class Writer {
  private readonly out: number[] = [];
  private memo = 0;

  byte(...b: number[]): this {
    this.out.push(...b);
    return this;
  }
  op(c: string): this {
    return this.byte(c.charCodeAt(0));
  }
  text(s: string): this {
    for (const c of s) this.out.push(c.charCodeAt(0) & 0xff);
    return this;
  }
  put(): this {
    return this.memo < 256 ? this.op("q").byte(this.memo++) : this.op("r").u32(this.memo++);
  }
  u32(v: number): this {
    return this.byte(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  int(v: number): this {
    if (v >= 0 && v < 256) return this.op("K").byte(v);
    if (v >= 0 && v < 65536) return this.op("M").byte(v & 0xff, v >>> 8);
    return this.op("J").u32(v >>> 0);
  }
  str(s: string): this {
    return s.length < 256 ? this.op("U").byte(s.length).text(s).put() : this.op("T").u32(s.length).text(s).put();
  }
  bytes(b: Uint8Array): this {
    this.op(b.length < 256 ? "U" : "T");
    if (b.length < 256) this.byte(b.length);
    else this.u32(b.length);
    for (const x of b) this.out.push(x);
    return this.put();
  }
  global(module: string, name: string): this {
    return this.op("c").text(`${module}\n${name}\n`).put();
  }
  finish(): Uint8Array {
    return Uint8Array.from([...this.out, ".".charCodeAt(0)]);
  }
}

function rawBytes(a: NpArray): Uint8Array {
  const n = a.data.length;
  const typed =
    a.descr === "<f4" ? Float32Array.from(a.data) : a.descr === "<f8" ? Float64Array.from(a.data) : a.descr === "<i4" ? Int32Array.from(a.data) : BigInt64Array.from(Array.from(a.data, (v) => BigInt(v)));
  if (typed.length !== n) throw new Error("length");
  return new Uint8Array(typed.buffer);
}

/** numpy.core.multiarray._reconstruct(ndarray, (0,), 'b') then __setstate__((1, shape, dtype, False, raw)). */
function ndarray(w: Writer, a: NpArray): void {
  w.global("numpy.core.multiarray", "_reconstruct");
  w.global("numpy", "ndarray");
  w.int(0).op("\x85").put().str("b").op("\x87").put().op("R").put();
  if (a.shape.length > 2) throw new Error("pickleArray: arrays of rank 1 or 2 only");
  w.op("(").int(1);
  for (const d of a.shape) w.int(d);
  w.op(a.shape.length === 1 ? "\x85" : "\x86").put();
  w.global("numpy", "dtype").str(a.descr.slice(1)).int(0).int(1).op("\x87").put().op("R").put();
  w.op("(").int(3).str("<").op("N").op("N").op("N").op("J").u32(0xffffffff).op("J").u32(0xffffffff).int(0).op("t").put().op("b");
  w.op("\x89").bytes(rawBytes(a)).op("t").put().op("b");
}

export function pickleArray(a: NpArray): Uint8Array {
  const w = new Writer().byte(0x80, 2);
  ndarray(w, a);
  return w.finish();
}

/** scipy.sparse.csr.csr_matrix via NEWOBJ, its attributes set by BUILD. */
export function pickleCsr(m: Csr): Uint8Array {
  const w = new Writer().byte(0x80, 2);
  w.global("scipy.sparse.csr", "csr_matrix").op(")").op("\x81").put().op("}").put().op("(");
  w.str("_shape").int(m.shape[0]).int(m.shape[1]).op("\x86").put();
  w.str("maxprint").int(50);
  w.str("indices");
  ndarray(w, { descr: "<i4", shape: [m.indices.length], data: m.indices });
  w.str("indptr");
  ndarray(w, { descr: "<i4", shape: [m.indptr.length], data: m.indptr });
  w.str("data");
  ndarray(w, { descr: "<f4", shape: [m.data.length], data: m.data });
  w.op("u").op("b");
  return w.finish();
}

/** collections.defaultdict(list) of int → list of int, items in batches of 1000 as pickle writes them. */
export function pickleAdjacency(lists: ReadonlyMap<number, readonly number[]>): Uint8Array {
  const w = new Writer().byte(0x80, 2);
  w.global("collections", "defaultdict").global("__builtin__", "list").op("\x85").put().op("R").put();
  const entries = [...lists];
  for (let start = 0; start < entries.length; start += 1000) {
    w.op("(");
    for (const [node, nbs] of entries.slice(start, start + 1000)) {
      w.int(node).op("]").put();
      for (let k = 0; k < nbs.length; k += 1000) {
        w.op("(");
        for (const nb of nbs.slice(k, k + 1000)) w.int(nb);
        w.op("e");
      }
    }
    w.op("u");
  }
  return w.finish();
}
