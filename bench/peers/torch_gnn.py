"""The peer of `npm run bench`: the examples' GCN, GraphSAGE and GAT in plain PyTorch on the CPU.

Same model, settings and epoch loop as gnnc's trainer (examples/cora-{gcn,sage,gat}.gnn, which
follow PyG's examples): row-normalised features, dropout, Adam, and each epoch one training step
followed by an evaluation (a forward pass in eval mode, accuracy on val and test). Graph
aggregation is torch.sparse.mm over the normalised adjacency (GCN, SAGE) or index_add over the
edge list with a scatter softmax (GAT). Prints one JSON object on stdout.

  /usr/bin/python3 bench/peers/torch_gnn.py --model gcn --dataset cora --data-dir DIR --epochs 20
"""
import argparse
import json
import os
import re
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(data_dir, name):
    """A dataset in gnnc's binary format (see the data directory's README)."""
    folder = os.path.join(data_dir, name)
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)

    def array(key):
        a = meta["arrays"][key]
        dtype = np.int32 if a["dtype"] == "int32" else np.float32
        return np.fromfile(os.path.join(folder, a["file"]), dtype=dtype).reshape(a["shape"])

    n, nf = meta["num_nodes"], meta["num_features"]
    indptr, indices, values = array("features_indptr"), array("features_indices"), array("features_data")
    x = np.zeros((n, nf), dtype=np.float32)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    x[rows, indices] = values
    with open(os.path.join(folder, meta["split_file"])) as f:
        split = json.load(f)
    edge_index = torch.from_numpy(array("edge_index").astype(np.int64))
    return {
        "x": torch.from_numpy(x),
        "y": torch.from_numpy(array("labels").astype(np.int64)),
        "edge_index": edge_index,
        "num_classes": meta["num_classes"],
        "split": {k: torch.tensor(v, dtype=torch.int64) for k, v in split.items()},
    }


def normalize_features(x):
    """Rows scaled to sum 1 (rows of zeros stay zero), as gnnc's normalize_features."""
    s = x.sum(1, keepdim=True)
    return x / torch.where(s == 0, torch.ones_like(s), s)


def sparse_adj(src, dst, weight, n):
    """A[dst, src] = weight: rows are destinations, so A @ X aggregates messages into each node."""
    return torch.sparse_coo_tensor(torch.stack([dst, src]), weight, (n, n)).coalesce()


def gcn_adjacency(edge_index, n):
    """D^-1/2 (A + I) D^-1/2, as PyG's gcn_norm with self loops."""
    loops = torch.arange(n)
    src = torch.cat([edge_index[0], loops])
    dst = torch.cat([edge_index[1], loops])
    deg = torch.zeros(n).index_add_(0, dst, torch.ones(dst.numel()))
    inv = deg.pow(-0.5)
    return sparse_adj(src, dst, inv[src] * inv[dst], n)


def mean_adjacency(edge_index, n):
    """Mean over in-neighbours (no self loops), as PyG's SAGEConv(aggr='mean')."""
    src, dst = edge_index
    deg = torch.zeros(n).index_add_(0, dst, torch.ones(dst.numel()))
    return sparse_adj(src, dst, 1.0 / deg[dst], n)


def glorot(*shape):
    w = torch.empty(*shape)
    torch.nn.init.xavier_uniform_(w)
    return torch.nn.Parameter(w)


class GCNConv(torch.nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.weight = glorot(fin, fout)
        self.bias = torch.nn.Parameter(torch.zeros(fout))

    def forward(self, x, adj):
        return torch.sparse.mm(adj, x @ self.weight) + self.bias


class GCN(torch.nn.Module):
    """examples/cora-gcn.gnn: hidden 16, dropout 0.5, weight decay on conv1 only."""

    def __init__(self, fin, classes, hidden=16, p=0.5):
        super().__init__()
        self.conv1, self.conv2, self.p = GCNConv(fin, hidden), GCNConv(hidden, classes), p

    def forward(self, x, g):
        h = F.dropout(x, self.p, self.training)
        h = F.relu(self.conv1(h, g["gcn"]))
        h = F.dropout(h, self.p, self.training)
        return self.conv2(h, g["gcn"])

    def param_groups(self):
        return [dict(params=self.conv1.parameters(), weight_decay=5e-4), dict(params=self.conv2.parameters(), weight_decay=0.0)]

    lr = 0.01


class SAGEConv(torch.nn.Module):
    """PyG's SAGEConv: lin_l(mean of neighbours) + lin_r(x), bias on lin_l only."""

    def __init__(self, fin, fout):
        super().__init__()
        self.lin_l = torch.nn.Linear(fin, fout)
        self.lin_r = torch.nn.Linear(fin, fout, bias=False)

    def forward(self, x, adj):
        return self.lin_l(torch.sparse.mm(adj, x)) + self.lin_r(x)


class SAGE(torch.nn.Module):
    """examples/cora-sage.gnn: hidden 64, dropout 0.5, weight decay 5e-4."""

    def __init__(self, fin, classes, hidden=64, p=0.5):
        super().__init__()
        self.conv1, self.conv2, self.p = SAGEConv(fin, hidden), SAGEConv(hidden, classes), p

    def forward(self, x, g):
        h = F.relu(self.conv1(F.dropout(x, self.p, self.training), g["mean"]))
        return self.conv2(F.dropout(h, self.p, self.training), g["mean"])

    def param_groups(self):
        return [dict(params=self.parameters(), weight_decay=5e-4)]

    lr = 0.01


class GATConv(torch.nn.Module):
    """PyG's GATConv with self loops: attention by destination, LeakyReLU 0.2, dropout on the coefficients."""

    def __init__(self, fin, fout, heads, concat, p):
        super().__init__()
        self.heads, self.fout, self.concat, self.p = heads, fout, concat, p
        self.weight = glorot(fin, heads * fout)
        self.att_src = glorot(1, heads, fout)
        self.att_dst = glorot(1, heads, fout)
        self.bias = torch.nn.Parameter(torch.zeros(heads * fout if concat else fout))

    def forward(self, x, g):
        src, dst, n = g["src"], g["dst"], x.shape[0]
        h = (x @ self.weight).view(n, self.heads, self.fout)
        e = F.leaky_relu((h * self.att_src).sum(-1)[src] + (h * self.att_dst).sum(-1)[dst], 0.2)
        # Softmax over each destination's edges; the max only stabilises it (no gradient needed).
        index = dst.unsqueeze(1).expand(-1, self.heads)
        top = torch.full((n, self.heads), -float("inf")).scatter_reduce(0, index, e.detach(), "amax")
        ex = (e - top[dst]).exp()
        alpha = ex / torch.zeros(n, self.heads).index_add_(0, dst, ex)[dst]
        alpha = F.dropout(alpha, self.p, self.training)
        out = torch.zeros(n, self.heads, self.fout).index_add_(0, dst, h[src] * alpha.unsqueeze(-1))
        out = out.reshape(n, -1) if self.concat else out.mean(1)
        return out + self.bias


class GAT(torch.nn.Module):
    """examples/cora-gat.gnn: 8 heads x 8, ELU, dropout 0.6, Adam lr 0.005, weight decay 5e-4."""

    def __init__(self, fin, classes, hidden=8, heads=8, p=0.6):
        super().__init__()
        self.conv1 = GATConv(fin, hidden, heads, True, p)
        self.conv2 = GATConv(hidden * heads, classes, 1, False, p)
        self.p = p

    def forward(self, x, g):
        h = F.elu(self.conv1(F.dropout(x, self.p, self.training), g))
        return self.conv2(F.dropout(h, self.p, self.training), g)

    def param_groups(self):
        return [dict(params=self.parameters(), weight_decay=5e-4)]

    lr = 0.005


MODELS = {"gcn": GCN, "sage": SAGE, "gat": GAT}


def graph_inputs(model, edge_index, n):
    if model == "gcn":
        return {"gcn": gcn_adjacency(edge_index, n)}
    if model == "sage":
        return {"mean": mean_adjacency(edge_index, n)}
    loops = torch.arange(n)
    return {"src": torch.cat([edge_index[0], loops]), "dst": torch.cat([edge_index[1], loops])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(MODELS), required=True)
    ap.add_argument("--dataset", default="cora")
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = load(args.data_dir, args.dataset)
    x = normalize_features(data["x"])
    y, split = data["y"], data["split"]
    g = graph_inputs(args.model, data["edge_index"], x.shape[0])
    model = MODELS[args.model](x.shape[1], data["num_classes"])
    opt = torch.optim.Adam(model.param_groups(), lr=model.lr)

    epoch_ms, best_val, test_at_best = [], -1.0, 0.0
    for _ in range(args.epochs):
        start = time.perf_counter()
        model.train()
        opt.zero_grad()
        loss = F.cross_entropy(model(x, g)[split["train"]], y[split["train"]])
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            pred = model(x, g).argmax(1)
        acc = {k: (pred[split[k]] == y[split[k]]).float().mean().item() for k in ("val", "test")}
        epoch_ms.append((time.perf_counter() - start) * 1000)
        if acc["val"] > best_val:
            best_val, test_at_best = acc["val"], acc["test"]

    print(json.dumps({
        "peer": "pytorch-cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": (re.search(r"BLAS_INFO=(\w+)", torch.__config__.show()) or [None, "unknown"])[1],
        "model": args.model,
        "dataset": args.dataset,
        "epochs": args.epochs,
        "epoch_ms": epoch_ms,
        "median_epoch_ms": float(np.median(epoch_ms)),
        "test_accuracy": test_at_best,
    }))


if __name__ == "__main__":
    main()
