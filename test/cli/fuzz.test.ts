import { readdirSync, readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../../runtime/data/prng.js";
import { HAVE_SHARED_DATA, SHARED_DATA_DIR } from "../runtime/data/helpers.js";
import { mutate, mutateArgv, SMALL_NUMBERS } from "./fuzz-mutate.js";
import { runCli } from "./harness.js";

/**
 * Seeded fuzzing of the CLI: a few hundred mutants of the examples through `gnnc check` (and every
 * third through `gnnc ir`), and a few dozen mutants of the quickstart through one epoch of
 * `gnnc train`, in-process. Each must end quickly with exit code 0, 1 or 2, with diagnostics and no
 * stack trace or internal error.
 *
 * A case that never returns cannot be interrupted on this thread, so a watchdog thread watches the
 * case counter: if one case runs past HANG_MS it names the case on stderr and ends the test
 * process, which fails the run instead of hanging it.
 */
/** GNNC_FUZZ_SEED explores other mutants locally; CI runs the fixed seed. */
const SEED = Number(process.env.GNNC_FUZZ_SEED ?? 11);
const CASES = 500;
/** Training mutants: smaller numbers only, so that each that trains takes about a second. */
const TRAIN_CASES = 40;
/** Mutated command lines (flags and values; nothing that writes files or opens the GPU). */
const ARGV_CASES = 60;
const HANG_MS = 20_000;
/** A case slower than this fails even though it returned. */
const SLOW_MS = 5_000;

const SOURCES = readdirSync("examples")
  .filter((f) => f.endsWith(".gnn"))
  .map((f) => ({ name: `examples/${f}`, text: readFileSync(`examples/${f}`, "utf8") }));

/** Dataset sizes where this machine has the data, so that loaded sizes are exercised too. */
const ENV: Record<string, string> = { GNNC_DEVICE: "reference", ...(HAVE_SHARED_DATA ? { GNNC_DATA_DIR: SHARED_DATA_DIR } : {}) };

const STACK_TRACE = /\n\s+at .+:\d+:\d+\)?\n/;

function startWatchdog(progress: Int32Array, descriptions: string[]): Worker {
  const code = `
    const { workerData } = require("node:worker_threads");
    const { writeSync } = require("node:fs");
    const { progress, descriptions, hangMs } = workerData;
    let last = -1;
    let since = Date.now();
    setInterval(() => {
      const current = Atomics.load(progress, 0);
      if (current !== last) {
        last = current;
        since = Date.now();
      } else if (current >= 0 && Date.now() - since > hangMs) {
        writeSync(2, "fuzz: case " + current + " hangs (over " + hangMs + " ms): " + descriptions[current] + "\\n");
        process.kill(process.pid, "SIGKILL");
      }
    }, 200);
  `;
  return new Worker(code, { eval: true, workerData: { progress, descriptions, hangMs: HANG_MS } });
}

describe("fuzzing the CLI with mutated examples", () => {
  const rng = new Rng(SEED);
  const checks = Array.from({ length: CASES }, (_, k) => {
    const source = SOURCES[k % SOURCES.length];
    const { text, what } = mutate(source.text, rng);
    const argv = k % 3 === 2 ? ["ir", "mutant.gnn"] : ["check", "mutant.gnn"];
    return { text, argv, source: source.name, what };
  });
  const quickstart = readFileSync("examples/quickstart.gnn", "utf8").replace("nodes = 2000", "nodes = 300");
  const trains = Array.from({ length: TRAIN_CASES }, () => {
    const { text, what } = mutate(quickstart, rng, { numbers: SMALL_NUMBERS, most: 1, numberShare: 0.7 });
    return { text, argv: ["train", "mutant.gnn", "--epochs", "1", "--quiet"], source: "examples/quickstart.gnn (300 nodes)", what };
  });
  const commandLines = [["check", "mutant.gnn"], ["ir", "mutant.gnn", "--after", "dce"], ["train", "mutant.gnn", "--quiet"], ["predict", "mutant.gnn", "--params", "none.safetensors"], ["passes"], ["help", "train"]];
  const argvs = Array.from({ length: ARGV_CASES }, (_, k) => {
    const argv = mutateArgv(commandLines[k % commandLines.length], rng);
    // Whatever else the mutant says, a training run is one epoch long: the last --epochs wins.
    return { text: quickstart, argv: argv[0] === "train" ? [...argv, "--epochs", "1"] : argv, source: "examples/quickstart.gnn (300 nodes)", what: ["the command line"] };
  });
  const cases = [...checks, ...trains, ...argvs].map((c, k) => ({ ...c, description: `#${k} gnnc ${c.argv.join(" ")} on ${c.source} with ${c.what.join("; ")} (seed ${SEED})` }));
  const progress = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(progress, 0, -1);
  const watchdog = startWatchdog(progress, cases.map((c) => c.description));
  afterAll(() => watchdog.terminate());

  it(`${CASES + TRAIN_CASES + ARGV_CASES} mutants: exit 0, 1 or 2, no stack trace, no internal error, none slow`, async () => {
    const failures: string[] = [];
    const codes = [0, 0, 0];
    const trained = { runs: 0, ok: 0 };
    for (const [k, c] of cases.entries()) {
      Atomics.store(progress, 0, k);
      const start = performance.now();
      const r = await runCli(c.argv, { "mutant.gnn": c.text }, ENV);
      const ms = performance.now() - start;
      const out = r.stdout + r.stderr;
      if (![0, 1, 2].includes(r.code)) failures.push(`${c.description}: exit ${r.code}`);
      else codes[r.code]++;
      if (c.argv[0] === "train" && k < CASES + TRAIN_CASES) [trained.runs, trained.ok] = [trained.runs + 1, trained.ok + (r.code === 0 ? 1 : 0)];
      if (STACK_TRACE.test(out)) failures.push(`${c.description}: a stack trace`);
      if (out.includes("internal compiler error")) failures.push(`${c.description}: ${r.stderr}`);
      if (r.code === 1 && !/error(\[E\d+\])?:/.test(r.stderr)) failures.push(`${c.description}: exit 1 without an error message`);
      if (ms > SLOW_MS) failures.push(`${c.description}: took ${ms.toFixed(0)} ms`);
    }
    Atomics.store(progress, 0, -1);
    expect(failures).toEqual([]);
    // The mutants reach both sides: some still compile, most are rejected with diagnostics.
    expect(codes[0]).toBeGreaterThan(CASES / 20);
    expect(codes[1]).toBeGreaterThan(CASES / 2);
    expect(codes[2]).toBeGreaterThan(ARGV_CASES / 4);
    expect(trained.ok).toBeGreaterThan(TRAIN_CASES / 4); // some mutants still train
    console.log(`fuzz: ${cases.length} mutants, exit codes 0/1/2: ${codes.join("/")}; ${trained.ok} of ${trained.runs} training mutants trained`);
  }, 120_000);
});
