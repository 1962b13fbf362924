import type { Dim, GraphType, TensorType } from "../ir/types.js";
import { formatShape } from "../ir/dims.js";
import type { Instance } from "./instance.js";
import type { DatasetRef } from "../train/dataset.js";

/**
 * The values the frontend computes with. Static values (numbers, strings, layer instances,
 * datasets) exist at compile time; tensors, graphs and RNG streams are IR values that only appear
 * while elaborating a `forward`.
 */
export type Value =
  | IntValue
  | FloatValue
  | BoolValue
  | StrValue
  | ListValue
  | ModuleValue
  | DatasetValue
  | TensorValue
  | GraphValue;

/** An int is a concrete number or a symbolic dimension (`in_channels`, `cora.num_features`). */
export interface IntValue {
  kind: "int";
  value: Dim;
}
export interface FloatValue {
  kind: "float";
  value: number;
}
export interface BoolValue {
  kind: "bool";
  value: boolean;
}
export interface StrValue {
  kind: "str";
  value: string;
}
export interface ListValue {
  kind: "list";
  items: Value[];
}
/** A layer, block or stack instance (a member, or a module-typed argument such as GINConv's `nn`). */
export interface ModuleValue {
  kind: "module";
  instance: Instance;
}
export interface DatasetValue {
  kind: "dataset";
  dataset: DatasetRef;
}
/** An IR value of tensor type, produced while elaborating a forward. */
export interface TensorValue {
  kind: "tensor";
  id: number;
  type: TensorType;
}
export interface GraphValue {
  kind: "graph";
  id: number;
  type: GraphType;
}

export const int = (value: Dim): IntValue => ({ kind: "int", value });
export const float = (value: number): FloatValue => ({ kind: "float", value });
export const bool = (value: boolean): BoolValue => ({ kind: "bool", value });
export const str = (value: string): StrValue => ({ kind: "str", value });

export function formatTensorType(t: TensorType): string {
  return `${t.dtype}${formatShape(t.shape)}`;
}

export function formatGraphType(t: GraphType): string {
  return `graph[${t.nodes}]`;
}

/** How a value is named in messages: `f32[N,16]`, `int 16`, `a GCNConv layer`. */
export function describeValue(v: Value): string {
  switch (v.kind) {
    case "int":
      return typeof v.value === "number" ? `int ${v.value}` : `int \`${v.value}\``;
    case "float":
      return `float ${Number.isInteger(v.value) ? v.value.toFixed(1) : v.value}`;
    case "bool":
      return `bool ${v.value}`;
    case "str":
      return `string ${JSON.stringify(v.value)}`;
    case "list":
      return `a list of ${v.items.length}`;
    case "module":
      return `${article(v.instance.typeName)} ${v.instance.typeName} instance`;
    case "dataset":
      return `dataset \`${v.dataset.name}\``;
    case "tensor":
      return formatTensorType(v.type);
    case "graph":
      return formatGraphType(v.type);
  }
}

/** The kind word used in "expected X, found Y" messages. */
export function kindWord(v: Value): string {
  switch (v.kind) {
    case "module":
      return "a layer";
    case "tensor":
      return "a tensor";
    case "graph":
      return "a graph";
    case "list":
      return "a list";
    case "dataset":
      return "a dataset";
    default:
      return v.kind;
  }
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? "an" : "a";
}

/** A number usable in float arithmetic, or undefined for a symbolic int. */
export function numericValue(v: Value): number | undefined {
  if (v.kind === "float") return v.value;
  if (v.kind === "int" && typeof v.value === "number") return v.value;
  return undefined;
}
