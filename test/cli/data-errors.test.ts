import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DATA_CODES } from "../../runtime/data/codes.js";
import { saveBinaryDataset } from "../../runtime/data/index.js";
import { tempDir, tinyDataset } from "../runtime/data/helpers.js";
import { gcnSource } from "../train/helpers.js";
import { runCli } from "./harness.js";

/** Broken dataset files are data errors (E7xx) naming the file and the value, never "a bug in gnnc". */

const tmp = tempDir("gnnc-cli-data-");
afterAll(tmp.cleanup);

const FILE = { "f.gnn": gcnSource({ epochs: 1 }).replace(/dataset syn = synthetic\.csbm\([^)]*\)/s, 'dataset syn = load("tiny")') };

/** A data directory holding `tiny`, broken by `breakIt(folder)`. */
function brokenData(name: string, breakIt: (folder: string) => void): string {
  const dir = join(tmp.dir, name);
  saveBinaryDataset(join(dir, "tiny"), tinyDataset());
  breakIt(join(dir, "tiny"));
  return dir;
}

function editMeta(folder: string, edit: (meta: Record<string, any>) => void): void {
  const path = join(folder, "meta.json");
  const meta = JSON.parse(readFileSync(path, "utf8"));
  edit(meta);
  writeFileSync(path, JSON.stringify(meta));
}

async function both(dataDir: string) {
  return {
    check: await runCli(["check", "f.gnn", "--data-dir", dataDir], FILE),
    train: await runCli(["train", "f.gnn", "--data-dir", dataDir, "--quiet"], FILE),
  };
}

describe("data errors, at check and at train", () => {
  const cases: [string, (folder: string) => void, string, string][] = [
    ["a wrong byte_length", (f) => editMeta(f, (m) => (m.arrays.labels.byte_length = 1234)), "E703", "tiny/meta.json: arrays.labels.byte_length = 1234 does not match shape [6] × 4 bytes = 24"],
    ["meta.json that is not JSON", (f) => writeFileSync(join(f, "meta.json"), "{ not json"), "E702", "tiny/meta.json: not valid JSON"],
    ["an indptr shape that disagrees with num_nodes", (f) => editMeta(f, (m) => Object.assign(m.arrays.features_indptr, { shape: [5], byte_length: 20 })), "E703", "tiny/meta.json: arrays.features_indptr.shape = [5]; expected [num_nodes + 1] = [7]"],
  ];
  for (const [what, breakIt, code, message] of cases) {
    it(`${what}: ${code}, located at load("tiny") by check, named by train`, async () => {
      const r = await both(brokenData(what.replace(/\W+/g, "-"), breakIt));
      for (const out of [r.check, r.train]) {
        expect(out.code).toBe(1);
        expect(out.stderr).toContain(`error[${code}]: dataset \`tiny\` cannot be loaded: ${message}`);
        expect(out.stderr).toContain('load("tiny")');
        expect(out.stderr).not.toContain("internal compiler error");
      }
    });
  }

  it("a value the metadata cannot show (a label out of range): E704 from train, naming the file and the value", async () => {
    const dir = brokenData("label", (f) => {
      const labels = new Int32Array(Uint8Array.from(readFileSync(join(f, "labels.bin"))).buffer);
      labels[4] = 9;
      writeFileSync(join(f, "labels.bin"), labels);
      editMeta(f, (m) => delete m.arrays.labels.sha256);
    });
    const r = await both(dir);
    expect(r.check.code).toBe(0); // check reads the metadata only
    expect(r.train.code).toBe(1);
    expect(r.train.stderr).toBe(`error[E704]: tiny/labels.bin: labels[4] = 9 is out of range for 2 classes (expected -1..1, -1 = unlabelled)\n  help: ${DATA_CODES.badValue.help}\n`);
  });

  it("a dataset the data directory does not have: E701 at check and at train, with where it looked", async () => {
    const r = await both(join(tmp.dir, "empty"));
    for (const out of [r.check, r.train]) {
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/^error\[E701\]: dataset `tiny` cannot be loaded: dataset "tiny" not found; searched .*empty\/tiny\/meta\.json/);
    }
  });

  it("every data code is E7xx and distinct", () => {
    const codes = Object.values(DATA_CODES).map((c) => c.code);
    for (const c of codes) expect(c).toMatch(/^E7\d\d$/);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
