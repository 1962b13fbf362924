import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogEntry } from "../../runtime/data/get/catalog.js";
import { serveFolder, writePlanetoidMirror } from "../support/mirror.js";
import { HAVE_SHARED_DATA, SHARED_DATA_DIR, tempDir } from "../runtime/data/helpers.js";
import { runCli } from "./harness.js";

/**
 * `gnnc data get` from a loopback mirror, then training on what it wrote: the README's commands on
 * a machine that has no data folder. A cache folder of the test's own stands in for ~/.cache/gnnc.
 */

const tmp = tempDir("gnnc-cli-data-");
const cache = join(tmp.dir, "xdg");
const env = { GNNC_DEVICE: "reference", XDG_CACHE_HOME: cache };
let mirror: Awaited<ReturnType<typeof serveFolder>>;
beforeAll(async () => {
  mirror = await serveFolder(join(tmp.dir, "mirror"));
});
afterAll(() => {
  mirror.server.close();
  tmp.cleanup();
});

const GCN = `dataset cora = load("cora", transforms = [normalize_features])
model GCN(in_channels: int, out_channels: int) {
  conv1 = GCNConv(in_channels, 16)
  conv2 = GCNConv(16, out_channels)
  forward(x: f32[N, in_channels], g: graph[N]) = conv2(relu(conv1(x, g)), g)
}
train t {
  data = cora
  model = GCN(cora.num_features, cora.num_classes)
  loss = cross_entropy(mask = train)
  optimizer = adam(lr = 0.01)
  epochs = 2
  select = last
  report = [accuracy(test)]
}`;

describe("gnnc data", () => {
  it("says how to get a dataset it cannot find", async () => {
    const r = await runCli(["train", "gcn.gnn"], { "gcn.gnn": GCN }, { ...env, GNNC_DATA_DIR: join(tmp.dir, "empty") });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E701\]: .*dataset "cora" not found; searched .*download it with `gnnc data get cora`/);
  });

  it("checks without a data folder: a dataset the cache lacks stays symbolic, one it has is read", async () => {
    // The cache folder holds other caches too, so its existence says nothing about a dataset.
    const own = join(tmp.dir, "xdg-check");
    mkdirSync(join(own, "gnnc", "kernels"), { recursive: true });
    const symbolic = await runCli(["check", "gcn.gnn"], { "gcn.gnn": GCN }, { XDG_CACHE_HOME: own });
    expect(symbolic.stderr).toBe("");
    expect(symbolic.stdout).toBe("ok  gcn.gnn  (1 module)\n");
    mkdirSync(join(own, "gnnc", "cora"));
    writeFileSync(join(own, "gnnc", "cora", "meta.json"), "{ not json");
    const broken = await runCli(["check", "gcn.gnn"], { "gcn.gnn": GCN }, { XDG_CACHE_HOME: own });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^error\[E7\d\d\]: .*cora.*meta\.json/);
  });

  it.skipIf(!HAVE_SHARED_DATA)("gets cora from a mirror into the cache, and training finds it there", async () => {
    const pinned = writePlanetoidMirror(join(tmp.dir, "mirror"), mirror.url, join(SHARED_DATA_DIR, "cora"), catalogEntry("cora")!);
    writeFileSync(join(tmp.dir, "catalog.json"), JSON.stringify([pinned]));
    const get = await runCli(["data", "get", "cora", "--mirror", mirror.url, "--catalog", join(tmp.dir, "catalog.json")], {}, env);
    expect(get.stderr).toMatch(/^cora: data\/ind\.cora\.x ok, sha256 verified\n/);
    expect(get.stderr).toContain("cora: converting (planetoid)\n");
    expect(get.stdout).toBe(`cora: written to ${join(cache, "gnnc", "cora")}\n`);
    expect(get.code).toBe(0);
    const again = await runCli(["data", "get", "cora", "--mirror", mirror.url, "--catalog", join(tmp.dir, "catalog.json")], {}, env);
    expect(again.stdout).toMatch(/already in .*--force to download it again/);
    const train = await runCli(["train", "gcn.gnn", "--quiet"], { "gcn.gnn": GCN }, env);
    expect(train.stderr).toBe("");
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/test_accuracy 0\.\d+/);
  }, 60_000);

  it.skipIf(!HAVE_SHARED_DATA)("refuses a mirror's file that is not the recorded one (exit 1, E709)", async () => {
    writePlanetoidMirror(join(tmp.dir, "mirror"), mirror.url, join(SHARED_DATA_DIR, "cora"), catalogEntry("cora")!);
    const r = await runCli(["data", "get", "cora", "--dir", join(tmp.dir, "other"), "--mirror", mirror.url], {}, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[E709\]: data\/ind\.cora\.x from .*: sha256 [0-9a-f]+ does not match the recorded 23cfa55d/m);
  });

  it("reports usage errors with exit 2 and lists the catalog", async () => {
    expect((await runCli(["data", "fetch", "cora"], {}, env)).code).toBe(2);
    expect((await runCli(["data", "get"], {}, env)).stderr).toMatch(/name a dataset \(one of cora, citeseer, pubmed/);
    const list = await runCli(["data", "list", "--dir", join(tmp.dir, "empty")], {}, env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^cora +Planetoid Cora: 2,708 papers, 7 classes, public split\n +not downloaded in .*; sha256 recorded\n/);
    expect(list.stdout).toMatch(/ogbn-arxiv .*\n .*no recorded sha256/);
  });
});
