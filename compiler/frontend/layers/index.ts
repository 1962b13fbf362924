import { AugmentedLinear } from "./augmented-linear.js";
import { ACTIVATION_LAYERS } from "./activation-layers.js";
import { APPNP } from "./appnp.js";
import { BatchNorm } from "./batch-norm.js";
import { ChebConv } from "./cheb-conv.js";
import { EdgeConv } from "./edge-conv.js";
import { GATv2Conv } from "./gatv2-conv.js";
import { GCN2Conv } from "./gcn2-conv.js";
import { GINEConv } from "./gine-conv.js";
import { GraphConv } from "./graph-conv.js";
import { JumpingKnowledge } from "./jumping-knowledge.js";
import { Sequential } from "./sequential.js";
import { TransformerConv } from "./transformer-conv.js";
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
  [
    Linear, AugmentedLinear, GCNConv, SAGEConv, GATConv, GINConv, SGConv, LayerNorm, BatchNorm, Dropout, MLP, Parameter,
    APPNP, JumpingKnowledge, GraphConv, ChebConv, GATv2Conv, GCN2Conv, TransformerConv, GINEConv, EdgeConv, Sequential,
    ...ACTIVATION_LAYERS,
  ].map((l) => [l.signature.name, l]),
);

export function getLayer(name: string): LayerDef | undefined {
  return LAYERS.get(name);
}

export function layerNames(): string[] {
  return [...LAYERS.keys()];
}

export type { LayerDef, LayerContext, LocalParam } from "./layer.js";
