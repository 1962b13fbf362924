import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpoint, saveCheckpoint, writeFileAtomic, WriteFileError, type CheckpointInfo } from "../../runtime/checkpoint/index.js";
import { transpileForNode } from "./transpile.js";

const dir = mkdtempSync(join(tmpdir(), "gnnc-atomic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INFO: CheckpointInfo = { run: "r", module: "m", dataset: "d", epoch: 3, seed: 1, metrics: { val_accuracy: 0.5 } };

describe("writeFileAtomic", () => {
  it("writes, replaces, reports progress per chunk and leaves no temporary file", () => {
    const folder = mkdtempSync(join(dir, "w-"));
    const path = join(folder, "out.bin");
    writeFileSync(path, "old");
    const seen: number[] = [];
    writeFileAtomic(path, [new Uint8Array(10).fill(1), new Uint8Array(5).fill(2)], { chunkBytes: 4, onProgress: (n, total) => seen.push(n, total) });
    expect([...readFileSync(path)]).toEqual([...new Array(10).fill(1), ...new Array(5).fill(2)]);
    expect(seen.filter((_, k) => k % 2 === 0)).toEqual([4, 8, 10, 14, 15]);
    expect(seen.filter((_, k) => k % 2 === 1).every((t) => t === 15)).toBe(true);
    writeFileAtomic(path, "text ✓");
    expect(readFileSync(path, "utf8")).toBe("text ✓");
    expect(readdirSync(folder)).toEqual(["out.bin"]);
  });

  it("fails with the path and reason, and cleans up, when the write cannot happen", () => {
    const folder = mkdtempSync(join(dir, "f-"));
    expect(() => writeFileAtomic(join(folder, "missing", "x"), "a")).toThrow(WriteFileError);
    expect(() => writeFileAtomic(join(folder, "missing", "x"), "a")).toThrow(/cannot write `.*missing\/x`: ENOENT/);
    const path = join(folder, "kept");
    writeFileSync(path, "before");
    const boom = () =>
      writeFileAtomic(path, new Uint8Array(100), {
        chunkBytes: 10,
        onProgress: (n) => {
          if (n >= 50) throw new Error("disk full");
        },
      });
    expect(boom).toThrow("disk full");
    expect(readFileSync(path, "utf8")).toBe("before");
    expect(readdirSync(folder)).toEqual(["kept"]);
  });
});

/**
 * The child saves a large checkpoint over `path`, writing in small chunks. With "pause" it says
 * `mid-write` on stdout once half the bytes are in the temporary file and then blocks, so the
 * parent kills it at a known point; with "finish" it completes.
 */
const CHILD = `
import { writeSync } from "node:fs";
import { saveCheckpoint } from "./runtime/checkpoint/checkpoint.js";
const [path, mode, count] = process.argv.slice(2);
const data = new Float32Array(Number(count)).map((_, k) => k * 0.5);
let told = false;
saveCheckpoint(path, { w: { kind: "tensor", dtype: "f32", shape: [data.length], data } }, ${JSON.stringify({ ...INFO, epoch: 9 })}, {
  chunkBytes: 1 << 16,
  onProgress(written, total) {
    if (mode !== "pause" || told || written < total / 2) return;
    told = true;
    writeSync(1, "mid-write\\n");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  },
});
writeSync(1, "done\\n");
`;

function runChild(script: string, args: string[], killOn?: string): Promise<{ stdout: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d) => {
      stdout += d;
      if (killOn && stdout.includes(killOn)) child.kill("SIGKILL");
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      if (stderr) reject(new Error(`child wrote to stderr: ${stderr}`));
      else resolvePromise({ stdout, signal, code });
    });
  });
}

describe("a save killed mid-write", () => {
  const build = mkdtempSync(join(dir, "child-"));
  const script = join(build, "child.mjs");
  transpileForNode("runtime/checkpoint/checkpoint.ts", build);
  writeFileSync(script, CHILD);
  const COUNT = String(2 << 20); // 8 MiB of f32

  it("a child that is not killed saves a checkpoint that loads", async () => {
    const path = join(mkdtempSync(join(dir, "ok-")), "ckpt.safetensors");
    const r = await runChild(script, [path, "finish", "1000"]);
    expect(r.stdout).toBe("done\n");
    const ckpt = loadCheckpoint(path);
    expect(ckpt.info?.epoch).toBe(9);
    expect((ckpt.tensors.w.data as Float32Array)[999]).toBe(499.5);
  });

  it("leaves the previous checkpoint at the path intact and readable", async () => {
    const folder = mkdtempSync(join(dir, "kill-"));
    const path = join(folder, "ckpt.safetensors");
    const previous = new Float32Array([1, 2, 3, -0, NaN]);
    saveCheckpoint(path, { w: { kind: "tensor", dtype: "f32", shape: [5], data: previous } }, INFO);
    const before = readFileSync(path);

    const r = await runChild(script, [path, "pause", COUNT], "mid-write");
    expect(r.signal).toBe("SIGKILL");
    expect(r.stdout).toBe("mid-write\n");

    expect(readFileSync(path).equals(before)).toBe(true);
    const ckpt = loadCheckpoint(path);
    expect(ckpt.info).toEqual(INFO);
    expect(new Uint8Array((ckpt.tensors.w.data as Float32Array).buffer)).toEqual(new Uint8Array(previous.buffer));
    // The killed write left only its partial temporary file beside the checkpoint.
    const others = readdirSync(folder).filter((f) => f !== "ckpt.safetensors");
    expect(others).toHaveLength(1);
    expect(others[0]).toMatch(/^\.ckpt\.safetensors\.\d+\.[0-9a-f]+\.tmp$/);
    const partial = statSync(join(folder, others[0])).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(Number(COUNT) * 4);
  });
});
