import { BatchNorm } from "./batch-norm.js";
import { Dropout } from "./dropout.js";
import { GATConv } from "./gat-conv.js";
import { GCNConv } from "./gcn-conv.js";
import { GINConv } from "./gin-conv.js";
import type { LayerDef } from "./layer.js";
import { LayerNorm } from "./layer-norm.js";
import { Linear } from "./linear.js";
import { MLP } from "./mlp.js";
import { Parameter } from "./parameter.js";
import { SAGEConv } from "./sage-conv.js";
import { SGConv } from "./sg-conv.js";

/** The built-in layers by their PyG names. */
const LAYERS: ReadonlyMap<string, LayerDef> = new Map(
  [Linear, GCNConv, SAGEConv, GATConv, GINConv, SGConv, LayerNorm, BatchNorm, Dropout, MLP, Parameter].map((l) => [l.signature.name, l]),
);

export function getLayer(name: string): LayerDef | undefined {
  return LAYERS.get(name);
}

export function layerNames(): string[] {
  return [...LAYERS.keys()];
}

export type { LayerDef, LayerContext, LocalParam } from "./layer.js";
