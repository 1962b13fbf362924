import { DataError } from "../errors.js";

/**
 * A reader for Python pickles (protocols 0–4) that builds plain data and never runs code: the
 * few classes the dataset files use — NumPy arrays and dtypes, SciPy sparse matrices, dicts,
 * `collections.defaultdict` — are reconstructed from their recorded state; any other class a
 * pickle calls is refused, naming it. Python 2 `str` (the raw bytes of arrays) reads as bytes, as
 * Python 3's `encoding="latin1"` would.
 */

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PyObject | PyGlobal;

/** A tuple (kept apart from lists: a NumPy array's state is one). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A dict with keys of any hashable kind (numbers, strings) in insertion order. */
export class PyDict {
  readonly entries = new Map<string | number | bigint, PyValue>();
  constructor(readonly className = "dict") {}
  get(key: string | number): PyValue | undefined {
    return this.entries.get(key);
  }
}

/** An instance of a class, with the state `BUILD` (or `__setstate__`) gave it. */
export class PyObject {
  state: PyValue = null;
  args: PyValue[] = [];
  constructor(readonly className: string) {}
}

/** A reference to a global (a class or function) as the pickle named it: `numpy.ndarray`. */
export class PyGlobal {
  constructor(readonly name: string) {}
}

const MARK = Symbol("mark");
type StackItem = PyValue | typeof MARK;

/**
 * Globals whose calls (REDUCE, NEWOBJ) produce data: NumPy's array reconstruction, dtypes,
 * SciPy's sparse matrix classes, containers, and copy_reg's generic reconstructor.
 */
const CONSTRUCTIBLE = /^(numpy(\.core)?\.multiarray\._reconstruct|numpy\._core\.multiarray\._reconstruct|numpy\.dtype|numpy\.ndarray|scipy\.sparse\.[\w.]*\.(csr|csc|coo)_matrix|scipy\.sparse\.(csr|csc|coo)_matrix|collections\.defaultdict|collections\.OrderedDict|(__builtin__|builtins)\.(list|set|object|dict)|copy_reg\._reconstructor|copyreg\._reconstructor)$/;

export function readPickle(bytes: Uint8Array, file: string): PyValue {
  let pos = 0;
  const stack: StackItem[] = [];
  const memo = new Map<number, StackItem>();
  const bad = (why: string): never => {
    throw new DataError("malformed", `not a readable pickle: ${why} (at byte ${pos})`, file);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) bad("truncated");
  };
  const u8 = () => {
    need(1);
    return bytes[pos++];
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = () => {
    need(2);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const i32 = () => {
    need(4);
    pos += 4;
    return view.getInt32(pos - 4, true);
  };
  const u32 = () => {
    need(4);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return bytes.slice(pos - n, pos);
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) bad("a text opcode runs past the end");
    const text = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): StackItem => (stack.length ? stack.pop()! : bad("stack underflow"));
  const popMark = (): StackItem[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) bad("no mark");
    const items = stack.splice(at);
    return items.slice(1);
  };
  const value = (v: StackItem): PyValue => (v === MARK ? bad("a mark used as a value") : v);
  const top = (): StackItem => (stack.length ? stack[stack.length - 1] : bad("stack underflow"));

  for (;;) {
    const op = String.fromCharCode(u8());
    switch (op) {
      case "\x80": // PROTO
        u8();
        break;
      case "\x95": // FRAME
        take(8);
        break;
      case ".": // STOP
        return value(pop());
      case "(":
        stack.push(MARK);
        break;
      case "0":
        pop();
        break;
      case "1":
        popMark();
        break;
      case "2":
        stack.push(top());
        break;
      case "N":
        stack.push(null);
        break;
      case "\x88":
        stack.push(true);
        break;
      case "\x89":
        stack.push(false);
        break;
      case "I": {
        const text = line();
        stack.push(text === "01" ? true : text === "00" ? false : parseInteger(text, bad));
        break;
      }
      case "L":
        stack.push(parseInteger(line().replace(/L$/, ""), bad));
        break;
      case "J":
        stack.push(i32());
        break;
      case "K":
        stack.push(u8());
        break;
      case "M":
        stack.push(u16());
        break;
      case "\x8a":
        stack.push(littleEndianInt(take(u8())));
        break;
      case "\x8b":
        stack.push(littleEndianInt(take(u32())));
        break;
      case "F":
        stack.push(Number(line()));
        break;
      case "G": {
        need(8);
        pos += 8;
        stack.push(view.getFloat64(pos - 8, false));
        break;
      }
      case "S":
        stack.push(unquote(line(), bad));
        break;
      case "T":
        stack.push(take(u32()));
        break;
      case "U":
        stack.push(take(u8()));
        break;
      case "B":
        stack.push(take(u32()));
        break;
      case "C":
        stack.push(take(u8()));
        break;
      case "X":
        stack.push(new TextDecoder().decode(take(u32())));
        break;
      case "\x8c":
        stack.push(new TextDecoder().decode(take(u8())));
        break;
      case "V":
        stack.push(line());
        break;
      case "]":
        stack.push([]);
        break;
      case "l":
        stack.push(popMark().map(value));
        break;
      case "a": {
        const v = value(pop());
        asList(top(), bad).push(v);
        break;
      }
      case "e": {
        const items = popMark().map(value);
        asList(top(), bad).push(...items);
        break;
      }
      case ")":
        stack.push(new PyTuple([]));
        break;
      case "t":
        stack.push(new PyTuple(popMark().map(value)));
        break;
      case "\x85":
        stack.push(new PyTuple([value(pop())]));
        break;
      case "\x86": {
        const b = value(pop());
        stack.push(new PyTuple([value(pop()), b]));
        break;
      }
      case "\x87": {
        const c = value(pop());
        const b = value(pop());
        stack.push(new PyTuple([value(pop()), b, c]));
        break;
      }
      case "}":
        stack.push(new PyDict());
        break;
      case "d": {
        const d = new PyDict();
        setItems(d, popMark().map(value), bad);
        stack.push(d);
        break;
      }
      case "s": {
        const v = value(pop());
        const k = value(pop());
        setItems(asDict(top(), bad), [k, v], bad);
        break;
      }
      case "u": {
        const items = popMark().map(value);
        setItems(asDict(top(), bad), items, bad);
        break;
      }
      case "p":
        memo.set(Number(line()), top());
        break;
      case "q":
        memo.set(u8(), top());
        break;
      case "r":
        memo.set(u32(), top());
        break;
      case "\x94":
        memo.set(memo.size, top());
        break;
      case "g":
      case "h":
      case "j": {
        const key = op === "g" ? Number(line()) : op === "h" ? u8() : u32();
        if (!memo.has(key)) bad(`memo ${key} is not set`);
        stack.push(memo.get(key)!);
        break;
      }
      case "c": {
        const module = line();
        stack.push(new PyGlobal(`${module}.${line()}`));
        break;
      }
      case "\x93": {
        const name = value(pop());
        const module = value(pop());
        stack.push(new PyGlobal(`${String(module)}.${String(name)}`));
        break;
      }
      case "R": {
        const args = pop();
        stack.push(call(pop(), args instanceof PyTuple ? args.items : bad("REDUCE needs an argument tuple"), bad));
        break;
      }
      case "\x81": {
        const args = pop();
        stack.push(call(pop(), args instanceof PyTuple ? args.items : bad("NEWOBJ needs an argument tuple"), bad));
        break;
      }
      case "b": {
        const state = value(pop());
        build(top(), state, bad);
        break;
      }
      default:
        bad(`opcode 0x${op.charCodeAt(0).toString(16)} is not supported`);
    }
  }
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

function parseInteger(text: string, bad: (why: string) => never): number | bigint {
  if (!/^-?\d+$/.test(text)) bad(`${JSON.stringify(text)} is not an integer`);
  const big = BigInt(text);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** LONG1/LONG4: two's-complement little-endian. */
function littleEndianInt(b: Uint8Array): number | bigint {
  let v = 0n;
  for (let k = b.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]);
  if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A protocol-0 string literal: 'text' with Python escapes, as bytes. */
function unquote(text: string, bad: (why: string) => never): Uint8Array {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q) bad("a STRING is not quoted");
  const body = text.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== "\\") {
      out.push(body.charCodeAt(i) & 0xff);
      continue;
    }
    const c = body[++i];
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, "\\": 92, "'": 39, '"': 34, "0": 0 };
    if (c === "x") {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c in simple) out.push(simple[c]);
    else bad(`unknown escape \\${c}`);
  }
  return Uint8Array.from(out);
}

function asList(v: StackItem, bad: (why: string) => never): PyValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyObject && Array.isArray(v.state)) return v.state;
  return bad("APPEND to something that is not a list");
}

function asDict(v: StackItem, bad: (why: string) => never): PyDict {
  return v instanceof PyDict ? v : bad("SETITEM on something that is not a dict");
}

function setItems(d: PyDict, flat: PyValue[], bad: (why: string) => never): void {
  for (let k = 0; k + 1 < flat.length; k += 2) {
    const key = flat[k];
    const hashable = typeof key === "number" || typeof key === "string" || typeof key === "bigint" ? key : key instanceof Uint8Array ? latin1(key) : bad("a dict key that is not a number or string");
    d.entries.set(hashable, flat[k + 1]);
  }
}

/** A call of a global (REDUCE / NEWOBJ): only the constructors of plain data. */
function call(f: StackItem, args: PyValue[], bad: (why: string) => never): PyValue {
  if (!(f instanceof PyGlobal)) return bad("a call of something that is not a class or function");
  if (!CONSTRUCTIBLE.test(f.name)) return bad(`it calls ${f.name}, which a dataset file has no reason to (refused: unpickling runs no code here)`);
  if (/defaultdict|OrderedDict|\.dict$/.test(f.name)) return new PyDict(f.name);
  if (/\.(list|set)$/.test(f.name)) return Array.isArray(args[0]) ? [...args[0]] : [];
  // copy_reg._reconstructor(cls, base, state): an instance of cls.
  if (/_reconstructor$/.test(f.name)) {
    const cls = args[0] as unknown;
    return new PyObject(cls instanceof PyGlobal ? cls.name : "object");
  }
  const o = new PyObject(f.name);
  o.args = args;
  return o;
}

/** BUILD: the state of an object (a dict of attributes, or a NumPy array's or dtype's state tuple). */
function build(target: StackItem, state: PyValue, bad: (why: string) => never): void {
  if (target instanceof PyObject) target.state = state;
  else if (target instanceof PyDict && state instanceof PyDict) for (const [k, v] of state.entries) target.entries.set(k, v);
  else bad("BUILD on something that is not an object");
}

// ------------------------------------------------------------------ reading the data classes

/** A NumPy array as a flat typed array (little-endian data; C or Fortran order read as C). */
export interface NdArray {
  shape: number[];
  /** NumPy's type string: `<f4`, `<i8`, `|b1`, … */
  descr: string;
  data: Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

export function asNdArray(v: PyValue | undefined, what: string, file: string): NdArray {
  const bad = (why: string): never => {
    throw new DataError("malformed", `${what} is not a NumPy array: ${why}`, file);
  };
  if (!(v instanceof PyObject) || !/_reconstruct$/.test(v.className)) return bad(`found ${describe(v)}`);
  const state = v.state instanceof PyTuple ? v.state.items : bad("no array state");
  const [, shapeTuple, dtype, fortran, raw] = state.length === 5 ? state : bad("unexpected state layout");
  const shape = shapeTuple instanceof PyTuple ? shapeTuple.items.map((d) => Number(d)) : bad("no shape");
  if (fortran === true && shape.length > 1) bad("Fortran-ordered arrays are not supported");
  const descr = dtypeDescr(dtype, bad);
  const bytes = raw instanceof Uint8Array ? raw : typeof raw === "string" ? Uint8Array.from(raw, (c) => c.charCodeAt(0)) : bad("no raw data");
  const count = shape.reduce((n, d) => n * d, 1);
  const aligned = new Uint8Array(bytes).buffer;
  const size: Record<string, number> = { "<f8": 8, "<f4": 4, "<i4": 4, "<i8": 8, "|b1": 1, "|u1": 1, "|i1": 1 };
  if (!(descr in size)) bad(`dtype ${descr} is not supported`);
  if (bytes.length !== count * size[descr]) bad(`${bytes.length} bytes for shape (${shape.join(", ")}) of ${descr}`);
  const data = descr === "<f8" ? new Float64Array(aligned) : descr === "<f4" ? new Float32Array(aligned) : descr === "<i4" ? new Int32Array(aligned) : descr === "<i8" ? new BigInt64Array(aligned) : new Uint8Array(aligned);
  return { shape, descr, data };
}

/** `<f4`-style type string of a pickled numpy.dtype (its constructor args and byte-order state). */
function dtypeDescr(v: PyValue, bad: (why: string) => never): string {
  if (!(v instanceof PyObject) || !/\.dtype$/.test(v.className)) return bad("no dtype");
  const kind = v.args[0] instanceof Uint8Array ? latin1(v.args[0]) : String(v.args[0]);
  const order = v.state instanceof PyTuple && v.state.items[1] !== undefined ? (v.state.items[1] instanceof Uint8Array ? latin1(v.state.items[1]) : String(v.state.items[1])) : "<";
  if (order === ">") bad("big-endian arrays are not supported");
  return `${kind === "b1" || kind === "u1" || kind === "i1" ? "|" : "<"}${kind}`;
}

/** A SciPy CSR matrix's arrays. */
export interface CsrMatrix {
  shape: [number, number];
  data: NdArray;
  indices: NdArray;
  indptr: NdArray;
}

export function asCsrMatrix(v: PyValue | undefined, what: string, file: string): CsrMatrix {
  const bad = (why: string): never => {
    throw new DataError("malformed", `${what} is not a SciPy CSR matrix: ${why}`, file);
  };
  if (!(v instanceof PyObject) || !/csr_matrix$/.test(v.className)) return bad(`found ${describe(v)}`);
  const attrs = v.state instanceof PyDict ? v.state : bad("no attributes");
  const shape = attrs.get("_shape");
  const dims = shape instanceof PyTuple ? shape.items.map((d) => Number(d)) : bad("no _shape");
  return {
    shape: [dims[0], dims[1]],
    data: asNdArray(attrs.get("data"), `${what}.data`, file),
    indices: asNdArray(attrs.get("indices"), `${what}.indices`, file),
    indptr: asNdArray(attrs.get("indptr"), `${what}.indptr`, file),
  };
}

function describe(v: PyValue | undefined): string {
  if (v === undefined || v === null) return "nothing";
  if (v instanceof PyObject) return `an object of ${v.className}`;
  if (v instanceof PyDict) return `a ${v.className}`;
  if (v instanceof PyTuple) return "a tuple";
  if (Array.isArray(v)) return "a list";
  return typeof v;
}
