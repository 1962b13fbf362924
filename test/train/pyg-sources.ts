/**
 * Small training programs with the PyG layers, shared by the GPU conformance tests: node
 * classification on CSBM graphs, graph classification on `synthetic.graphs` (batch vector, edge
 * features), and a dataset with edge weights (`weighted`, written by the test into a data folder).
 */

const CSBM = "dataset syn = synthetic.csbm(nodes = 200, classes = 3, features = 16, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 4)";
const GRAPHS = "dataset tu = synthetic.graphs(graphs = 60, classes = 3, min_nodes = 6, max_nodes = 14, features = 5, edge_features = 3, seed = 2)";

function train(data: string, model: string, epochs = 5): string {
  return `train t {
  data = ${data}
  model = ${model}
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = ${epochs}
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;
}

/** APPNP over an MLP's output, JumpingKnowledge (cat) of GCN layers. */
export const APPNP_JK = `${CSBM}
model Net(in_channels: int, out_channels: int) {
  lin1 = Linear(in_channels, 16)
  lin2 = Linear(16, out_channels)
  prop = APPNP(K = 5, alpha = 0.1, dropout = 0.2)
  conv1 = GCNConv(in_channels, 8)
  conv2 = GCNConv(8, 8)
  jk = JumpingKnowledge("cat")
  head = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h1 = relu(conv1(dropout(x, 0.5), g))
    h2 = relu(conv2(h1, g))
    return prop(lin2(relu(lin1(dropout(x, 0.5)))), g) + head(jk([h1, h2]))
  }
}
${train("syn", "Net(syn.num_features, syn.num_classes)")}`;

/**
 * GATv2 with attention dropout, then a gated TransformerConv. Its key bias adds q_i·b to every
 * score of node i, which the softmax cancels: its true gradient is 0, and Adam would scale each
 * device's rounding noise in it to full steps, so the transformers here have no biases.
 */
export const GATV2_TRANSFORMER = `${CSBM}
model Net(in_channels: int, out_channels: int) {
  conv1 = GATv2Conv(in_channels, 8, heads = 2, dropout = 0.3)
  conv2 = TransformerConv(16, out_channels, heads = 2, concat = false, beta = true, bias = false)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return conv2(elu(conv1(dropout(x, 0.3), g)), g)
  }
}
${train("syn", "Net(syn.num_features, syn.num_classes)")}`;

/** GCNII: GCN2Conv blocks in a repeat stack (layers numbered by the iteration), as PyG's deep example. */
export function gcn2Source(layers: number): string {
  return `${CSBM}
block Deep(channels: int, alpha: float, theta: float, p: float) {
  conv = GCN2Conv(channels, alpha = alpha, theta = theta, normalize = true)
  forward(h, x0, g) = relu(conv(dropout(h, p), x0, g))
}
model GCNII(in_channels: int, out_channels: int, hidden: int = 16) {
  lin_in = Linear(in_channels, hidden)
  stack = repeat(${layers}) Deep(hidden, 0.1, 0.5, 0.1)
  lin_out = Linear(hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    x0 = relu(lin_in(dropout(x, 0.1)))
    return lin_out(dropout(stack(x0, x0, g), 0.1))
  }
}
${train("syn", "GCNII(syn.num_features, syn.num_classes)")}`;
}

/** GIN with sum, mean and max readouts over the batch vector: graph classification. */
export const GIN_POOL = `${GRAPHS}
model GIN(in_channels: int, out_channels: int, hidden: int = 16) {
  conv1 = GINConv(MLP([in_channels, hidden, hidden]), train_eps = true)
  conv2 = GINConv(MLP([hidden, hidden, hidden]))
  head = MLP([3 * hidden, hidden, out_channels], dropout = 0.5)
  forward(x: f32[N, in_channels], g: graph[N], batch: i32[N]) -> f32[B, out_channels] {
    h = relu(conv2(relu(conv1(x, g)), g))
    return head(concat([global_add_pool(h, batch), global_mean_pool(h, batch), global_max_pool(h, batch)]))
  }
}
${train("tu", "GIN(tu.num_features, tu.num_classes)")}`;

/** Edge features in GINEConv, GATConv(edge_dim) and TransformerConv(edge_dim), pooled per graph. */
export const EDGE_FEATURES = `${GRAPHS}
model Net(in_channels: int, out_channels: int, edge_dim: int, hidden: int = 8) {
  conv1 = GINEConv(MLP([in_channels, hidden, hidden]), edge_dim = edge_dim)
  conv2 = GATConv(hidden, hidden, heads = 2, concat = false, edge_dim = edge_dim)
  conv3 = TransformerConv(hidden, hidden, heads = 2, edge_dim = edge_dim, bias = false)
  head = Linear(2 * hidden, out_channels)
  forward(x: f32[N, in_channels], g: graph[N], edge_attr: f32[E, edge_dim], batch: i32[N]) -> f32[B, out_channels] {
    h = relu(conv1(x, g, edge_attr))
    h = relu(conv2(h, g, edge_attr))
    return head(global_mean_pool(conv3(h, g, edge_attr), batch))
  }
}
${train("tu", "Net(tu.num_features, tu.num_classes, tu.num_edge_features)")}`;

/** Edge weights in GCNConv and GraphConv; ChebConv, EdgeConv and a Sequential (data: the `weighted` folder). */
export const EDGE_WEIGHTS = `dataset weighted = load("weighted")
model Net(in_channels: int, out_channels: int) {
  seq = Sequential("x, edge_index, edge_weight", [[GCNConv(in_channels, 8), "x, edge_index, edge_weight -> x"], ReLU(), [GraphConv(8, 8, aggr = "mean"), "x, edge_index, edge_weight -> x"], ELU()])
  cheb = ChebConv(8, 8, K = 3)
  edge = EdgeConv(MLP([16, 8]), aggr = "max")
  head = Linear(8, out_channels)
  forward(x: f32[N, in_channels], g: graph[N], edge_weight: f32[E]) -> f32[N, out_channels] {
    h = seq(dropout(x, 0.3), g, edge_weight)
    return head(relu(edge(relu(cheb(h, g)), g)))
  }
}
${train("weighted", "Net(weighted.num_features, weighted.num_classes)")}`;

/** Message passing written in the language: GAT-style attention (fused to SDDMM/SpMM), and min/max/softmax aggregations. */
export const USER_MESSAGES = `${CSBM}
block Attention(in_channels: int, out_channels: int) {
  lin = Linear(in_channels, out_channels, bias = false)
  att_src = Parameter([1, out_channels])
  att_dst = Parameter([1, out_channels])
  message(x_i, x_j) = unsqueeze(edge_softmax(leaky_relu(sum(x_j * att_src, dim = -1) + sum(x_i * att_dst, dim = -1), 0.2)), -1) * x_j
  forward(x, g) = propagate(add_self_loops(g), x = lin(x))
}
block Extremes(channels: int) {
  lin = Linear(2 * channels, channels)
  aggr = "softmax"
  message(x_i, x_j) = lin(concat([x_i, x_j - x_i]))
  update(aggr_out, x) = aggr_out + x
  forward(x, g) = propagate(g, x = x)
}
model Net(in_channels: int, out_channels: int) {
  att = Attention(in_channels, 8)
  ext = Extremes(8)
  head = Linear(8, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return head(ext(elu(att(dropout(x, 0.3), g)), g))
  }
}
${train("syn", "Net(syn.num_features, syn.num_classes)")}`;
