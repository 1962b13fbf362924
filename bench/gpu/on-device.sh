#!/usr/bin/env bash
# On a lent NVIDIA machine (see bench/gpu/README.md): gnnc's bench on the GPU through Dawn's Vulkan
# backend, and the PyG peer (tools/pyg_gnn.py) on CUDA on the same GPU, the same models (GCN, SAGE,
# GAT) and graphs (Cora, Amazon Computers, Coauthor CS, and make_sbm.py's graph of a million nodes),
# in one run. Everything it writes goes to $OUT (the device tool brings it back): gpu.txt,
# gnnc-info.txt, bench.json, bench.md, gnnc-bench.log, pyg.jsonl, soup/ and soup.log (the soup
# ingredients' concurrency). Needs .gpu/ and .gl/ from
# bench/gpu/pack.sh, carried. Takes about 5 minutes on an H200 (measure before trusting that).
#
#   bash bench/gpu/on-device.sh [--epochs 50] [--nodes 1000000] [--no-loader]
#
# --no-loader: the machine has a Vulkan loader already; do not unpack .gl/ over / (a trial run of
# this script on a development machine, with lavapipe).
set -uo pipefail
cd "$(dirname "$0")/../.."
EPOCHS=50
NODES=1000000
LOADER=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --epochs) EPOCHS=$2; shift 2 ;;
    --nodes) NODES=$2; shift 2 ;;
    --no-loader) LOADER=0; shift ;;
    *) echo "on-device: unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$PWD/out/gpu}
WORK=/tmp/gnnc-gpu
DATA=$WORK/data
mkdir -p "$OUT" "$WORK" "$DATA"
say() { printf 'on-device: %s\n' "$*" | tee -a "$OUT/steps.log"; }

# The Vulkan loader (Dawn's Vulkan backend needs it) and the NVIDIA driver's ICD.
if [[ $LOADER == 1 ]]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if [[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
nvidia-smi -L >"$OUT/gpu.txt" 2>&1

for part in node modules dist; do tar -C "$WORK" -xJf ".gpu/$part.tar.xz"; done
tar -C "$DATA" -xJf .gpu/data.tar.xz
export PATH="$WORK:$PATH" GNNC_DATA_DIR="$DATA"
say "node $(node --version); $(python3 -c 'import torch, torch_geometric; print("torch", torch.__version__, "PyG", torch_geometric.__version__)' 2>&1 | tail -1)"

# The large graph, the same for both: mean degree 20, so more than ten million directed edges.
SBM=sbm_$((NODES / 1000))k
say "writing $SBM ($NODES nodes)"
python3 .gpu/tools/make_sbm.py "$DATA" "$SBM" --nodes "$NODES" --degree 20 --features 128 --classes 10

(cd "$WORK" && node dist/cli/main.js info >"$OUT/gnnc-info.txt" 2>&1)
say "gnnc bench"
(cd "$WORK" && timeout 420 node dist/bench/main.js --datasets "cora,amazon_computers,coauthor_cs,$SBM" --sizes "" --million 0 \
  --epochs "$EPOCHS" --large-epochs 5 --no-peer --out "$OUT") >"$OUT/gnnc-bench.log" 2>&1
say "gnnc bench exit $?"

say "PyG peer"
for ds in cora amazon_computers coauthor_cs "$SBM"; do
  for model in gcn sage gat; do
    timeout 120 python3 .gpu/tools/pyg_gnn.py "$DATA" "$ds" --model "$model" --epochs "$EPOCHS" >>"$OUT/pyg.jsonl" 2>>"$OUT/pyg.err" ||
      echo "{\"peer\": \"pyg\", \"model\": \"$model\", \"dataset\": \"$ds\", \"error\": \"exit $?\"}" >>"$OUT/pyg.jsonl"
  done
done
# Issue 16's concurrency target where it was meant for: ten ingredients side by side against one
# after another (soup.ts --concurrency-only: no soups, so no METIS), last and capped.
say "soup concurrency"
(cd "$WORK" && timeout 150 node dist/bench/soup.js --concurrency-only --no-widths --concurrency-rounds 3 --out "$OUT/soup") >"$OUT/soup.log" 2>&1
say "soup concurrency exit $?"
say "done"
