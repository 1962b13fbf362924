#!/usr/bin/env bash
# Prepare, on this machine, what bench/gpu/on-device.sh needs on a lent GPU machine, where nothing
# can be fetched and Node is not installed: writes .gpu/ (git-ignored; about 40 MB, under the
# device tool's 64 MiB for everything that travels) with
#   node.tar.xz      this machine's Node binary (the device is x86-64 Linux too)
#   modules.tar.xz   gnnc's runtime npm packages, Dawn's linux-x64 binary only
#   dist.tar.xz      the built CLI and bench (npm run build), and the examples the bench trains
#   data.tar.xz      Cora, Amazon Computers and Coauthor CS from GNNC_DATA_DIR
#   tools/           pyg_gnn.py and make_sbm.py (the PyG peer and the large graph's generator)
# and .gl/ (the Vulkan loader packages Dawn needs there; see /work/.library/device/README.md).
#
#   GNNC_DATA_DIR=../shared/data bash bench/gpu/pack.sh [--tools DIR]   (default DIR: ../shared/tools)
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=../shared/tools
[[ ${1:-} == --tools ]] && TOOLS=$2
DATA=${GNNC_DATA_DIR:?set GNNC_DATA_DIR to the folder holding cora/, amazon_computers/ and coauthor_cs/}
say() { printf 'pack: %s\n' "$*"; }

rm -rf .gpu && mkdir -p .gpu/tools
npm run build >/dev/null
say "node $(node --version)"
tar -C "$(dirname "$(command -v node)")" -cJf .gpu/node.tar.xz node
# The runtime dependencies' closure (package.json "dependencies", followed through each package's own).
mapfile -t packages < <(node -e '
  const fs = require("fs");
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const pj = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8"));
    Object.keys(pj.dependencies ?? {}).forEach(visit);
  };
  Object.keys(JSON.parse(fs.readFileSync("package.json", "utf8")).dependencies).forEach(visit);
  console.log([...seen].map((n) => `node_modules/${n}`).join("\n"));
')
tar -chJf .gpu/modules.tar.xz --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' "${packages[@]}"
tar -cJf .gpu/dist.tar.xz dist package.json examples
tar -C "$DATA" -cJf .gpu/data.tar.xz cora amazon_computers coauthor_cs
cp "$TOOLS/pyg_gnn.py" "$TOOLS/make_sbm.py" .gpu/tools/

if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  say "downloading the Vulkan loader packages into .gl/"
  mkdir -p .gl /tmp/amd64/partial
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update -qq
  (cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
du -sh .gpu .gl | sed 's/^/pack: /'
say "on a lent GPU machine: run with carry [\".gpu\", \".gl\"] the command  bash bench/gpu/on-device.sh"
