import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { resolve } from "node:path";

/**
 * The PyTorch-CPU peer (bench/peers/torch_gnn.py) run in the same bench run. The interpreter must
 * import torch: `GNNC_BENCH_PYTHON` if set, else Debian's `/usr/bin/python3` (python3-torch), else
 * `python3` on PATH. Without one the peer is skipped with a note, never faked; the bench installs
 * nothing. `npm run setup -- --peer` installs Debian's python3-torch with OpenBLAS.
 */

/** How to get the peer, for the note when it is missing. */
export const PEER_INSTALL = "npm run setup -- --peer (Debian: apt-get install python3-torch libopenblas0-pthread), or set GNNC_BENCH_PYTHON";

export interface PeerResult {
  peer: string;
  torch: string;
  /** PyTorch's BLAS (`BLAS_INFO` of its build: `generic` means whatever libblas.so.3 is, `mkl`, `open`, …). */
  blas?: string;
  /** The BLAS library the peer's process loaded (resolved path: Netlib's reference BLAS or OpenBLAS). */
  blas_library?: string;
  /** How the features were held: `sparse (1.3% nonzero)` or `dense (…)`. */
  features?: string;
  /** How the graph was aggregated: a sparse COO adjacency or an edge list. */
  adjacency?: string;
  threads: number;
  model: string;
  dataset: string;
  epochs: number;
  median_epoch_ms: number;
  test_accuracy: number;
}

export interface PeerRun {
  /** The run with the lower median (the peer at its best thread count). */
  best?: PeerResult;
  /** Every run, one per thread count tried. */
  runs: PeerResult[];
  /** Why there is no result, when there is none. */
  note?: string;
}

export function peerScript(repoRoot: string): string {
  return resolve(repoRoot, "bench", "peers", "torch_gnn.py");
}

/** The first interpreter that imports torch, with its version; undefined with the reason when none does. */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): { python: string; torch: string } | { note: string } {
  const candidates = [env.GNNC_BENCH_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p);
  for (const python of [...new Set(candidates)]) {
    if (python.startsWith("/") && !existsSync(python)) continue;
    const probe = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 60_000 });
    if (probe.status === 0) return { python, torch: probe.stdout.trim() };
  }
  return { note: `no Python that imports torch among ${candidates.join(", ")} (get one with ${PEER_INSTALL})` };
}

/** Thread counts worth trying: one (no OpenMP contention on a busy machine) and every core. */
export function peerThreadCounts(cores = cpus().length): number[] {
  return [...new Set([1, Math.max(1, cores)])];
}

/**
 * Train `model` on `dataset` for `epochs` epochs with each thread count; the best median is the
 * peer's figure (the fairest comparison for gnnc is against the peer's best setting).
 */
export function runPeer(python: string, script: string, o: { model: string; dataset: string; dataDir: string; epochs: number; threads: readonly number[] }): PeerRun {
  const runs: PeerResult[] = [];
  const failures: string[] = [];
  for (const threads of o.threads) {
    const args = [script, "--model", o.model, "--dataset", o.dataset, "--data-dir", o.dataDir, "--epochs", String(o.epochs), "--threads", String(threads)];
    // OpenBLAS and OpenMP start their own thread pools: hold them to the same count as torch's.
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
    const run = spawnSync(python, args, { encoding: "utf8", env, timeout: 30 * 60_000, maxBuffer: 16 * 2 ** 20 });
    if (run.status !== 0) {
      failures.push(`${threads} thread(s): ${(run.stderr || String(run.error ?? "")).trim().split("\n").pop()}`);
      continue;
    }
    runs.push(JSON.parse(run.stdout.trim().split("\n").pop() as string) as PeerResult);
  }
  const best = runs.reduce<PeerResult | undefined>((b, r) => (b === undefined || r.median_epoch_ms < b.median_epoch_ms ? r : b), undefined);
  return { best, runs, note: failures.length ? `peer failed with ${failures.join("; ")}` : undefined };
}

/** The peer's configuration in words: what the comparison is against. */
export function describePeer(r: PeerResult): string {
  const blas = r.blas_library ? `BLAS ${blasName(r.blas_library)}` : `BLAS_INFO=${r.blas ?? "unknown"}`;
  return `PyTorch ${r.torch} on the CPU, ${r.threads} thread(s), ${blas}; features ${r.features ?? "dense"}; adjacency ${r.adjacency ?? "unknown"}`;
}

/** `OpenBLAS (…/libopenblasp-r0.3.21.so)` or `reference BLAS (…/libblas.so.3.11.0)` from the loaded libraries' paths. */
function blasName(libraries: string): string {
  const paths = libraries.split(", ");
  const open = paths.find((p) => /openblas/i.test(p) && /libopenblas/.test(p));
  if (open) return `OpenBLAS (${open})`;
  const reference = paths.find((p) => /\/blas\/libblas/.test(p));
  return reference ? `Netlib reference BLAS (${reference})` : libraries;
}
