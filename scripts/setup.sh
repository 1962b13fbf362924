#!/usr/bin/env bash
# gnnc set-up (`npm run setup`): npm packages, METIS (gpmetis, for partition souping), then — on
# Debian/Ubuntu without a WebGPU adapter — the software Vulkan driver (Mesa lavapipe) that Dawn
# runs on. Safe to run again: every step first checks whether it is already done.
#
#   --force-npm   reinstall npm packages even when node_modules looks current
#   --no-system   never touch system packages (only npm)
#   --peer        also install the PyTorch peer `npm run bench` compares against (Debian/Ubuntu:
#                 python3-torch with OpenBLAS, about 1 GB); the bench itself installs nothing
set -euo pipefail
cd "$(dirname "$0")/.."

FORCE_NPM=0
SYSTEM=1
PEER=0
for arg in "$@"; do
  case "$arg" in
    --force-npm) FORCE_NPM=1 ;;
    --no-system) SYSTEM=0 ;;
    --peer) PEER=1 ;;
    -h | --help)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup: unknown option $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

say() { printf 'setup: %s\n' "$*"; }

# ---------------------------------------------------------------- npm packages
# npm records what it installed in node_modules/.package-lock.json; a lockfile newer than that
# record (a pull, an edit) means node_modules is stale.
if [[ $FORCE_NPM == 1 || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
else
  say "npm packages are up to date (use --force-npm to reinstall)"
fi

# ---------------------------------------------------------------- PyTorch peer (--peer)
# Debian's python3-torch links whatever libblas.so.3 is: the Netlib reference BLAS unless OpenBLAS
# is installed, which update-alternatives then prefers (several times faster dense matmuls).
if [[ $PEER == 1 ]]; then
  if /usr/bin/python3 -c 'import torch' 2>/dev/null && [[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 || $(uname -m) != x86_64 ]]; then
    say "PyTorch peer present: $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)')"
  elif [[ $SYSTEM == 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    say "--peer: install PyTorch yourself (any Python that imports torch; set GNNC_BENCH_PYTHON to it)"
  else
    say "installing the PyTorch peer: python3-torch libopenblas0-pthread"
    as_root=()
    [[ $(id -u) != 0 ]] && as_root=(sudo)
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends python3-torch libopenblas0-pthread
  fi
fi

# ---------------------------------------------------------------- METIS
# Partition learned souping (`soup(method = partition)`) cuts graphs with METIS's gpmetis.
install_metis() {
  if command -v gpmetis >/dev/null 2>&1; then
    say "METIS found: $(command -v gpmetis)"
    return 0
  fi
  if [[ $SYSTEM == 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    say "gpmetis not found: partition souping needs METIS (Debian/Ubuntu: apt-get install -y metis)"
    return 0
  fi
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      say "gpmetis not found, and installing it needs root: as root run  apt-get install -y metis"
      return 0
    fi
    sudo=(sudo)
  fi
  say "installing METIS (apt-get install metis)"
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends metis; then
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends metis
  fi
}
install_metis

# ---------------------------------------------------------------- WebGPU adapter
# Prints the adapter when Dawn finds a core (non-compatibility) one: that is what lavapipe gives.
# The OpenGL ES compatibility fallback does not count here; it lacks features the kernels can use.
probe_adapter() {
  XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}" timeout 120 node --input-type=module -e '
    import { create, globals } from "webgpu";
    Object.assign(globalThis, globals);
    const adapter = await create([]).requestAdapter();
    if (!adapter) process.exit(1);
    const i = adapter.info;
    console.log([i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(" / "));
    process.exit(0);
  ' 2>/dev/null
}

if found=$(probe_adapter); then
  say "WebGPU adapter found: $found"
  exit 0
fi
say "no core WebGPU adapter found"

if [[ $SYSTEM == 0 ]]; then
  say "--no-system given: not installing a Vulkan driver. GPU tests will skip; use --device reference."
  exit 0
fi

if [[ ! -r /etc/os-release ]] || ! command -v apt-get >/dev/null 2>&1; then
  say "not a Debian/Ubuntu system with apt: install a Vulkan driver yourself (Mesa's lavapipe works:"
  say "  mesa-vulkan-drivers ≥ 23 on most distributions), or train with --device reference."
  exit 0
fi

# shellcheck disable=SC1091
. /etc/os-release
distro="${ID:-unknown}"
codename="${VERSION_CODENAME:-}"
case " $distro ${ID_LIKE:-} " in
  *" debian "* | *" ubuntu "*) ;;
  *)
    say "unrecognised distribution '$distro': install Mesa's lavapipe Vulkan driver yourself, or use --device reference"
    exit 0
    ;;
esac

SUDO=()
if [[ $(id -u) != 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    say "installing the Vulkan driver needs root and sudo is not available; as root run:"
    say "  apt-get install -y mesa-vulkan-drivers libvulkan1   (on Debian 12: -t bookworm-backports)"
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
install_from=()

if [[ $distro == debian && $codename == bookworm ]]; then
  # Bookworm's own Mesa (22.3) lacks a Vulkan feature Dawn requires; backports has Mesa 25.
  install_from=(-t bookworm-backports)
  if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    say "bookworm-backports apt source already present"
  else
    # Same mirror, components and key as the existing bookworm entry (one-line or deb822 format).
    entry=$(
      {
        grep -hs '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true
      } | awk '$0 !~ /security/ {
            opts = ""; i = 2
            if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts $i " "; i++ } opts = opts $i; i++ }
            if ($(i + 1) == "bookworm") {
              comps = ""; for (k = i + 2; k <= NF; k++) comps = comps " " $k
              print opts "|" $i "|" substr(comps, 2); exit
            }
          }'
    )
    if [[ -z $entry ]]; then
      entry=$(
        awk -v RS= '{
            uris = ""; suites = ""; comps = ""; key = ""
            n = split($0, lines, "\n")
            for (l = 1; l <= n; l++) {
              line = lines[l]
              if (line ~ /^[[:space:]]*#/) continue
              if (line ~ /^URIs:/)       { sub(/^URIs:[[:space:]]*/, "", line); split(line, u, " "); uris = u[1] }
              if (line ~ /^Suites:/)     { sub(/^Suites:[[:space:]]*/, "", line); suites = " " line " " }
              if (line ~ /^Components:/) { sub(/^Components:[[:space:]]*/, "", line); comps = line }
              if (line ~ /^Signed-By:/)  { sub(/^Signed-By:[[:space:]]*/, "", line); key = line }
            }
            if (suites ~ / bookworm / && uris !~ /security/) {
              print (key != "" ? "[signed-by=" key "]" : "") "|" uris "|" comps; exit
            }
          }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
      )
    fi
    if [[ -z $entry ]]; then
      say "found no bookworm entry in the apt sources; using deb.debian.org main"
      entry="|http://deb.debian.org/debian|main"
    fi
    IFS='|' read -r opts mirror components <<<"$entry"
    line="deb ${opts:+$opts }$mirror bookworm-backports $components"
    say "adding apt source: $line"
    echo "$line" | "${SUDO[@]}" tee /etc/apt/sources.list.d/gnnc-bookworm-backports.list >/dev/null
  fi
fi

say "apt-get update"
"${SUDO[@]}" apt-get update -qq
say "installing ${install_from[*]:+${install_from[*]} }mesa-vulkan-drivers libvulkan1"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${install_from[@]}" mesa-vulkan-drivers libvulkan1

if found=$(probe_adapter); then
  say "WebGPU adapter found: $found"
else
  say "still no core WebGPU adapter after installing lavapipe. gnnc will try the OpenGL ES fallback;"
  say "otherwise train with --device reference. 'npx gnnc info' shows what is found."
  exit 1
fi
