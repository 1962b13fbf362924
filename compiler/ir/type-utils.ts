import { formatShape } from "./dims.js";
import type { Dim, DType, GraphType, TensorType, Type } from "./types.js";

/** Small helpers over IR types shared by the op table, the verifier, the printer and the parser. */

export const DTYPES: readonly DType[] = ["f32", "f16", "i32", "u32", "bool"];

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}

export function tensorType(dtype: DType, shape: readonly Dim[]): TensorType {
  return { kind: "tensor", dtype, shape: [...shape] };
}

export function graphType(nodes: Dim, edges: Dim, selfLoops: boolean): GraphType {
  return { kind: "graph", nodes, edges, selfLoops };
}

/** `f32[N,16]`, `graph[N,E]`, `graph[N,E+N,self_loops]`, `rng`: the form used in IR text and in error messages. */
export function formatType(t: Type): string {
  switch (t.kind) {
    case "tensor":
      return `${t.dtype}${formatShape(t.shape)}`;
    case "graph":
      return `graph[${t.nodes},${t.edges}${t.selfLoops ? ",self_loops" : ""}]`;
    case "rng":
      return "rng";
    case "tuple":
      return `(${t.items.map(formatType).join(", ")})`;
  }
}

export function typesEqual(a: Type, b: Type): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "tensor" && b.kind === "tensor") {
    return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  }
  if (a.kind === "graph" && b.kind === "graph") {
    return a.nodes === b.nodes && a.edges === b.edges && a.selfLoops === b.selfLoops;
  }
  if (a.kind === "tuple" && b.kind === "tuple") {
    return a.items.length === b.items.length && a.items.every((t, k) => typesEqual(t, b.items[k]));
  }
  return true;
}

export function isFloatDType(d: DType): boolean {
  return d === "f32" || d === "f16";
}

/** Bytes per element as stored on the device (f16 is 2 bytes there, though the interpreter keeps f32). */
export function dtypeBytes(d: DType): number {
  switch (d) {
    case "f16":
      return 2;
    case "bool":
      return 4; // WGSL has no 1-byte storage type; bools travel as u32
    default:
      return 4;
  }
}
