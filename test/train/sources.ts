/** Small training programs shared by the GPU conformance and fusion tests (CSBM data, five epochs). */

/** GAT with attention dropout and AdamW with global-norm clipping (more parameters than one kernel can bind). */
export const GAT_SOURCE = `
dataset syn = synthetic.csbm(nodes = 200, classes = 3, features = 16, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 4)
model GAT(in_channels: int, out_channels: int) {
  conv1 = GATConv(in_channels, 8, heads = 4, dropout = 0.3)
  conv2 = GATConv(32, out_channels, heads = 1)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    return conv2(dropout(elu(conv1(dropout(x, 0.3), g)), 0.3), g)
  }
}
train t {
  data = syn
  model = GAT(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adamw(lr = 0.01, weight_decay = 0.01, clip_norm = 1.0)
  epochs = 5
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;

/** A RevGNN: a reversible stack of `blocks` SAGE blocks sharing one dropout mask. */
export function revgnnSource(blocks: number, nodes: number): string {
  return `
dataset syn = synthetic.csbm(nodes = ${nodes}, classes = 3, features = 12, avg_degree = 5, homophily = 0.8, signal = 1.5, seed = 2)
block ResBlock(width: int) {
  norm = LayerNorm(width, mode = "node")
  conv = SAGEConv(width, width)
  forward(h, g, m) = conv(relu(norm(h)) * m, g)
}
model RevGNN(in_channels: int, out_channels: int) {
  lin_in = Linear(in_channels, 16)
  stack = reversible(groups = 2) repeat(${blocks}) ResBlock(8)
  lin_out = Linear(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) -> f32[N, out_channels] {
    h = lin_in(dropout(x, 0.2))
    return lin_out(relu(stack(h, g, dropout_mask(h, 0.2))))
  }
}
train rev {
  data = syn
  model = RevGNN(syn.num_features, syn.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.003)
  epochs = 5
  select = best(val.accuracy)
  report = [accuracy(val)]
}`;
}
