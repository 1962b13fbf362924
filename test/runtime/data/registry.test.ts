import { mkdirSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../../runtime/data/errors.js";
import { dataSearchPath, datasetResolver, describeDataset, listDatasets, openDataset } from "../../../runtime/data/registry.js";
import { saveBinaryDataset } from "../../../runtime/data/write-binary.js";
import { tempDir, tinyDataset } from "./helpers.js";

describe("dataset registry", () => {
  let tmp: ReturnType<typeof tempDir>;
  let first = "";
  let second = "";
  beforeAll(() => {
    tmp = tempDir();
    first = join(tmp.dir, "first");
    second = join(tmp.dir, "second");
    saveBinaryDataset(join(first, "tiny"), tinyDataset());
    saveBinaryDataset(join(second, "tiny"), { ...tinyDataset(), name: "tiny-second" });
    saveBinaryDataset(join(second, "other"), tinyDataset());
    mkdirSync(join(second, "not-a-dataset"));
  });
  afterAll(() => tmp.cleanup());

  it("searches given directories, then GNNC_DATA_DIR, then ./data, then the download cache", () => {
    const path = dataSearchPath({ dataDir: first, env: { GNNC_DATA_DIR: [second, first].join(process.platform === "win32" ? ";" : ":"), HOME: "/home/u" } });
    expect(path).toEqual([first, second, join(process.cwd(), "data"), "/home/u/.cache/gnnc"]);
    expect(dataSearchPath({ env: { XDG_CACHE_HOME: "/cache" } })).toEqual([join(process.cwd(), "data"), "/cache/gnnc"]);
    expect(openDataset("tiny", { dataDir: [second, first], env: {} }).dataset.name).toBe("tiny-second");
    expect(openDataset("other", { env: { GNNC_DATA_DIR: second } }).dataset.numNodes).toBe(6);
  });

  it("names every place searched, the env var and near matches when a dataset is missing", () => {
    let error: unknown;
    try {
      openDataset("otherr", { dataDir: [first, second], env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    const msg = (error as DataError).message;
    expect(msg).toContain(`dataset "otherr" not found; searched ${join(first, "otherr", "meta.json")}, ${join(second, "otherr", "meta.json")}`);
    expect(msg).toContain("available: other, tiny");
    expect(msg).toContain(`did you mean "other"?`);
    expect(msg).toContain("GNNC_DATA_DIR");
    expect(msg).not.toContain("\n");
  });

  it("rejects names that are paths", () => {
    expect(() => openDataset("../first/tiny", { dataDir: second, env: {} })).toThrow(/dataset name "\.\.\/first\/tiny" is not valid/);
  });

  it("describes from meta.json alone", () => {
    const dir = join(tmp.dir, "meta-only");
    saveBinaryDataset(join(dir, "tiny"), tinyDataset());
    for (const f of ["edge_index.bin", "features_data.bin", "features_indices.bin", "features_indptr.bin", "labels.bin"]) unlinkSync(join(dir, "tiny", f));
    expect(describeDataset("tiny", [dir])).toEqual({ name: "tiny", numNodes: 6, numEdges: 14, numFeatures: 4, numClasses: 2, splits: ["train", "val", "test"] });
    expect(describeDataset("absent", [dir])).toBeUndefined();
    expect(datasetResolver([dir]).describe("tiny")).toMatchObject({ numEdges: 14 });
    rmSync(dir, { recursive: true });
  });

  it("lists datasets (folders with a meta.json), sorted", () => {
    expect(listDatasets(second)).toEqual(["other", "tiny"]);
    expect(listDatasets(join(tmp.dir, "nowhere"))).toEqual([]);
  });
});
