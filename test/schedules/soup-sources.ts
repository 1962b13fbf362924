/** Small models on a CSBM graph, and soup blocks over them: each trains in seconds on the reference device. */

const DATASET = (nodes: number) => `dataset syn = synthetic.csbm(nodes = ${nodes}, classes = 3, features = 20, avg_degree = 6,
                             homophily = 0.85, signal = 1.5, seed = 1)`;

const MODELS = {
  gcn: `model M(in_channels: int, out_channels: int, hidden: int = 8, p: float = 0.5) {
  conv1 = GCNConv(in_channels, hidden)
  conv2 = GCNConv(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = relu(conv1(dropout(x, p), g))
    return conv2(dropout(h, p), g)
  }
}`,
  sage: `model M(in_channels: int, out_channels: int, hidden: int = 8, p: float = 0.5) {
  conv1 = SAGEConv(in_channels, hidden, aggr = "mean")
  conv2 = SAGEConv(hidden, out_channels, aggr = "mean")
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = relu(conv1(dropout(x, p), g))
    return conv2(dropout(h, p), g)
  }
}`,
  bn: `model M(in_channels: int, out_channels: int, hidden: int = 8) {
  lin1 = Linear(in_channels, hidden)
  bn   = BatchNorm(hidden)
  conv = GCNConv(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return conv(relu(bn(lin1(x))), g)
  }
}`,
  gin: `block Mlp(a: int, b: int) {
  lin1 = Linear(a, b)
  lin2 = Linear(b, b)
  forward(h) = lin2(relu(lin1(h)))
}
model M(in_channels: int, out_channels: int, hidden: int = 8) {
  conv1 = GINConv(Mlp(in_channels, hidden), train_eps = true)
  head  = Linear(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return head(relu(conv1(x, g)))
  }
}`,
  mlp: `model M(in_channels: int, out_channels: int, hidden: int = 8) {
  lin1 = Linear(in_channels, hidden)
  lin2 = Linear(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return lin2(dropout(relu(lin1(x)), 0.3))
  }
}`,
  gat: `model M(in_channels: int, out_channels: int, hidden: int = 4) {
  conv1 = GATConv(in_channels, hidden, heads = 2)
  conv2 = GATConv(hidden * 2, out_channels, heads = 1, concat = false)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return conv2(elu(conv1(x, g)), g)
  }
}`,
} as const;

export type ModelKey = keyof typeof MODELS;

export interface SoupSourceOptions {
  model?: ModelKey;
  /** The arguments of `soup(…)`. */
  soup?: string;
  epochs?: number;
  nodes?: number;
  optimizer?: string;
  /** Extra arguments of the model (`p = 0.0`). */
  modelArgs?: string;
  select?: string;
  extra?: string;
}

/** A plain train block over one of the models. */
export function modelSource(model: ModelKey, nodes = 200): string {
  return `${DATASET(nodes)}\n\n${MODELS[model]}\n
train plain {
  data      = syn
  model     = M(syn.num_features, syn.num_classes)
  loss      = cross_entropy(mask = train)
  optimizer = adam(lr = 0.02)
  epochs    = 10
  select    = best(val.accuracy)
  report    = [accuracy(val), accuracy(test)]
}
`;
}

/** A soup of a model's ingredients. */
export function soupSource(o: SoupSourceOptions = {}): string {
  return `${DATASET(o.nodes ?? 200)}\n\n${MODELS[o.model ?? "gcn"]}\n
train soup {
  data      = syn
  model     = M(syn.num_features, syn.num_classes${o.modelArgs ? `, ${o.modelArgs}` : ""})
  loss      = cross_entropy(mask = train)
  optimizer = ${o.optimizer ?? "adam(lr = 0.02)"}
  epochs    = ${o.epochs ?? 12}
  schedule  = soup(${o.soup ?? "ingredients = 3, method = learned, epochs = 10, lr = 5"})
  select    = ${o.select ?? "best(val.accuracy)"}
  report    = [accuracy(val), accuracy(test)]
  ${o.extra ?? ""}
}
`;
}
