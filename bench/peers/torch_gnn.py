"""The peer of `npm run bench`: the examples' GCN, GraphSAGE and GAT in plain PyTorch on the CPU.

Same model, settings and epoch loop as gnnc's trainer (examples/cora-{gcn,sage,gat}.gnn, which
follow PyG's examples): row-normalised features, dropout, Adam, and each epoch one training step
followed by an evaluation (a forward pass in eval mode, the loss read back, accuracy on val and
test) — what gnnc's epoch time covers.

The fastest form PyTorch offers on a CPU, so that the comparison is honest:
  - sparse features (when at most 10% of the entries are nonzero, as bag-of-words features are):
    x stays a sparse COO tensor, dropout acts on its nonzero values (zeros stay zero, so this is
    dense dropout's distribution), and the first layer's x·W is torch.sparse.mm;
  - sparse adjacency: graph aggregation is torch.sparse.mm over the normalised COO adjacency
    (GCN, SAGE; COO measured faster than CSR in torch 1.13), or index_add over the edge list
    with a scatter softmax (GAT);
  - SAGE aggregates after its linear map, mean(x)·W = mean(x·W) (PyG's SAGEConv does the same
    when it narrows), so the sparse features are multiplied once per weight and never densified.
The thread count is a flag; the bench tries 1 and every core and keeps the faster.
Prints one JSON object on stdout, with the configuration (torch version, BLAS library, threads,
feature and adjacency layouts).

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

# Store features sparsely when at most this share of the entries is nonzero (gnnc's threshold too).
SPARSE_MAX_DENSITY = 0.1


def load(data_dir, name):
    """A dataset in gnnc's binary format (see the data directory's README); features as CSR arrays."""
    folder = os.path.join(data_dir, name)
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)

    def array(key):
        a = meta["arrays"][key]
        dtype = np.int32 if a["dtype"] == "int32" else np.float32
        return np.fromfile(os.path.join(folder, a["file"]), dtype=dtype).reshape(a["shape"])

    with open(os.path.join(folder, meta["split_file"])) as f:
        split = json.load(f)
    return {
        "n": meta["num_nodes"],
        "f": meta["num_features"],
        "csr": (array("features_indptr"), array("features_indices"), array("features_data")),
        "y": torch.from_numpy(array("labels").astype(np.int64)),
        "edge_index": torch.from_numpy(array("edge_index").astype(np.int64)),
        "num_classes": meta["num_classes"],
        "split": {k: torch.tensor(v, dtype=torch.int64) for k, v in split.items()},
    }


def features(data, layout):
    """Row-normalised features (rows scaled to sum 1, rows of zeros stay zero, as gnnc's
    normalize_features): a coalesced sparse COO tensor, or dense."""
    indptr, indices, values = data["csr"]
    n, nf = data["n"], data["f"]
    rows = np.repeat(np.arange(n), np.diff(indptr))
    sums = np.add.reduceat(values, indptr[:-1]) if len(values) else np.zeros(n, np.float32)
    sums = np.where(np.diff(indptr) == 0, 1.0, sums).astype(np.float32)
    scaled = values / sums[rows]
    if layout == "sparse":
        index = torch.from_numpy(np.stack([rows, indices]).astype(np.int64))
        return torch.sparse_coo_tensor(index, torch.from_numpy(scaled), (n, nf)).coalesce()
    x = np.zeros((n, nf), dtype=np.float32)
    x[rows, indices] = scaled
    return torch.from_numpy(x)


def dropout(x, p, training):
    """Dropout of dense or sparse x (on a sparse tensor: of its nonzero values)."""
    if not x.is_sparse:
        return F.dropout(x, p, training)
    if not training or p == 0:
        return x
    # Same indices as x, which is coalesced: marking it so spares sparse.mm a sort.
    return torch.sparse_coo_tensor(x.indices(), F.dropout(x.values(), p, True), x.shape)._coalesced_(True)


def matmul(x, w):
    """x·w for dense or sparse x."""
    return torch.sparse.mm(x, w) if x.is_sparse else x @ w


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
        return torch.sparse.mm(adj, matmul(x, self.weight)) + self.bias


class GCN(torch.nn.Module):
    """examples/cora-gcn.gnn: hidden 16, dropout 0.5, weight decay on conv1 only."""

    def __init__(self, fin, classes, hidden=16, p=0.5):
        super().__init__()
        self.conv1, self.conv2, self.p = GCNConv(fin, hidden), GCNConv(hidden, classes), p

    def forward(self, x, g):
        h = dropout(x, self.p, self.training)
        h = F.relu(self.conv1(h, g["gcn"]))
        h = F.dropout(h, self.p, self.training)
        return self.conv2(h, g["gcn"])

    def param_groups(self):
        return [dict(params=self.conv1.parameters(), weight_decay=5e-4), dict(params=self.conv2.parameters(), weight_decay=0.0)]

    lr = 0.01


class SAGEConv(torch.nn.Module):
    """PyG's SAGEConv: lin_l(mean of neighbours) + lin_r(x), bias on lin_l only; aggregated after lin_l."""

    def __init__(self, fin, fout):
        super().__init__()
        self.weight_l = glorot(fin, fout)
        self.weight_r = glorot(fin, fout)
        self.bias = torch.nn.Parameter(torch.zeros(fout))

    def forward(self, x, adj):
        return torch.sparse.mm(adj, matmul(x, self.weight_l)) + matmul(x, self.weight_r) + self.bias


class SAGE(torch.nn.Module):
    """examples/cora-sage.gnn: hidden 64, dropout 0.5, weight decay 5e-4."""

    def __init__(self, fin, classes, hidden=64, p=0.5):
        super().__init__()
        self.conv1, self.conv2, self.p = SAGEConv(fin, hidden), SAGEConv(hidden, classes), p

    def forward(self, x, g):
        h = F.relu(self.conv1(dropout(x, self.p, self.training), g["mean"]))
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
        h = matmul(x, self.weight).view(n, self.heads, self.fout)
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
        h = F.elu(self.conv1(dropout(x, self.p, self.training), g))
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


def blas_library():
    """The BLAS shared library this process actually loaded (Debian switches libblas.so.3 between
    the reference BLAS and OpenBLAS with update-alternatives), by its resolved path."""
    with open("/proc/self/maps") as f:
        paths = {os.path.realpath(line.split()[-1]) for line in f if "libblas" in line or "openblas" in line}
    return ", ".join(sorted(paths)) or "none loaded"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(MODELS), required=True)
    ap.add_argument("--dataset", default="cora")
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--features", choices=["auto", "sparse", "dense"], default="auto",
                    help=f"auto: sparse when at most {SPARSE_MAX_DENSITY:.0%} of the entries are nonzero")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data = load(args.data_dir, args.dataset)
    density = len(data["csr"][2]) / (data["n"] * data["f"])
    layout = args.features if args.features != "auto" else "sparse" if density <= SPARSE_MAX_DENSITY else "dense"
    x = features(data, layout)
    y, split = data["y"], data["split"]
    g = graph_inputs(args.model, data["edge_index"], data["n"])
    model = MODELS[args.model](data["f"], data["num_classes"])
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
        loss.item()
        acc = {k: (pred[split[k]] == y[split[k]]).float().mean().item() for k in ("val", "test")}
        epoch_ms.append((time.perf_counter() - start) * 1000)
        if acc["val"] > best_val:
            best_val, test_at_best = acc["val"], acc["test"]

    print(json.dumps({
        "peer": "pytorch-cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": (re.search(r"BLAS_INFO=(\w+)", torch.__config__.show()) or [None, "unknown"])[1],
        "blas_library": blas_library(),
        "features": f"{layout} ({density:.1%} nonzero)",
        "adjacency": "sparse COO (torch.sparse.mm)" if args.model != "gat" else "edge list (index_add)",
        "model": args.model,
        "dataset": args.dataset,
        "epochs": args.epochs,
        "epoch_ms": epoch_ms,
        "median_epoch_ms": float(np.median(epoch_ms)),
        "test_accuracy": test_at_best,
    }))


if __name__ == "__main__":
    main()
