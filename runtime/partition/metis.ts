import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { GraphValue } from "../../compiler/ir/values.js";
import { createFolder, writeFileAtomic } from "../checkpoint/atomic-write.js";
import { partitionQuality, type PartitionQuality } from "./quality.js";

/**
 * Graph partitions by METIS (Karypis and Kumar), through Debian's `metis` package's `gpmetis`:
 * the graph is written in METIS's format — undirected, each edge once per direction, no self
 * loops — with a second vertex weight when nodes are to be balanced on a set as well as on their
 * count (multi-constraint partitioning). The result is cached by the content hash of that file
 * and the options, under $GNNC_CACHE_DIR or ~/.cache/gnnc: the data directory may be read-only,
 * and the same graph, part count and seed always give the same partition.
 */

export class PartitionError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
    this.name = "PartitionError";
  }
}

export interface PartitionRequest {
  parts: number;
  seed: number;
  /** Nodes to balance the parts on besides the node count (the validation nodes): 1 or 0 per node. */
  balanceOn?: Uint8Array;
}

export interface Partition extends PartitionQuality {
  /** The part of every node, in [0, parts). */
  part: Int32Array;
  parts: number;
  /** Where the partition is cached, and whether it was read from there. */
  path: string;
  cached: boolean;
}

export const INSTALL_METIS = "install METIS: `apt-get install -y metis` on Debian/Ubuntu (`npm run setup` does it), or put a `gpmetis` on the PATH";

/** Each node's neighbours, both directions, sorted, no self loops and no repeats. */
function neighbours(g: GraphValue): Int32Array[] {
  const lists: number[][] = Array.from({ length: g.numNodes }, () => []);
  for (let e = 0; e < g.numEdges; e++) {
    const [s, d] = [g.src[e], g.dst[e]];
    if (s === d) continue;
    lists[s].push(d);
    lists[d].push(s);
  }
  return lists.map((l) => {
    const sorted = Int32Array.from(l).sort();
    return sorted.filter((v, k) => k === 0 || v !== sorted[k - 1]);
  });
}

/** The graph in METIS's format (1-based neighbour lists, vertex weights first when balancing on a set). */
export function metisGraphText(g: GraphValue, balanceOn?: Uint8Array): string {
  const adj = neighbours(g);
  const edges = adj.reduce((n, l) => n + l.length, 0) / 2;
  const weighted = balanceOn !== undefined && balanceOn.some((b) => b !== 0);
  const lines = [weighted ? `${g.numNodes} ${edges} 010 2` : `${g.numNodes} ${edges}`];
  adj.forEach((l, v) => {
    const ids = Array.from(l, (u) => u + 1).join(" ");
    lines.push(weighted ? `1 ${balanceOn![v]}${ids ? ` ${ids}` : ""}` : ids);
  });
  return lines.join("\n") + "\n";
}

export function partitionCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(env.GNNC_CACHE_DIR || join(homedir(), ".cache", "gnnc"), "partitions");
}

/** gpmetis's output: one part per line, every node, each in range; undefined when it is not that. */
function readParts(text: string, nodes: number, parts: number): Int32Array | undefined {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== nodes) return undefined;
  const out = new Int32Array(nodes);
  for (let v = 0; v < nodes; v++) {
    const p = Number(lines[v]);
    if (!Number.isInteger(p) || p < 0 || p >= parts) return undefined;
    out[v] = p;
  }
  return out;
}

function runGpmetis(text: string, request: PartitionRequest, nodes: number, gpmetis: string): string {
  const dir = mkdtempSync(join(tmpdir(), "gnnc-metis-"));
  try {
    const file = join(dir, "graph");
    writeFileSync(file, text);
    const r = spawnSync(gpmetis, [`-seed=${request.seed}`, file, String(request.parts)], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new PartitionError(`partition souping cuts the graph with METIS, but \`${gpmetis}\` was not found`, INSTALL_METIS);
    }
    const out = join(dir, `graph.part.${request.parts}`);
    if (r.error || r.status !== 0 || !existsSync(out)) {
      const said = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-3).join(" / ");
      throw new PartitionError(`gpmetis could not cut the ${nodes}-node graph into ${request.parts} parts (${r.error?.message ?? `exit ${r.status}`}${said ? `: ${said}` : ""})`, "check that the part count is at most the node count and that `gpmetis -help` runs");
    }
    return readFileSync(out, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The graph cut into `parts` parts by METIS (cached). Throws PartitionError when the request
 * cannot be met or gpmetis is missing.
 */
export function partitionGraph(g: GraphValue, request: PartitionRequest, env: Readonly<Record<string, string | undefined>> = process.env): Partition {
  if (!(Number.isInteger(request.parts) && request.parts >= 1 && request.parts <= g.numNodes)) {
    throw new PartitionError(`cannot cut ${g.numNodes} nodes into ${request.parts} parts`, "take a part count K between 1 and the node count");
  }
  const text = metisGraphText(g, request.balanceOn);
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 32);
  const dir = partitionCacheDir(env);
  const path = join(dir, `${hash}-k${request.parts}-seed${request.seed}.part`);
  let part = existsSync(path) ? readParts(readFileSync(path, "utf8"), g.numNodes, request.parts) : undefined;
  const cached = part !== undefined;
  if (!part) {
    const out = runGpmetis(text, request, g.numNodes, env.GNNC_GPMETIS || "gpmetis");
    part = readParts(out, g.numNodes, request.parts);
    if (!part) throw new PartitionError(`gpmetis wrote a partition that does not give each of the ${g.numNodes} nodes a part below ${request.parts}`, "check the installed METIS (`gpmetis -help`)");
    createFolder(dir);
    writeFileAtomic(path, out);
  }
  return { part, parts: request.parts, path, cached, ...partitionQuality(g, part, request.parts, request.balanceOn) };
}
