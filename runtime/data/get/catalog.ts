import { DataError } from "../errors.js";
import { PLANETOID_PARTS } from "./planetoid.js";

/**
 * The datasets `gnnc data get NAME` knows: where their original files are published, their
 * sha256 where it is recorded, and how to convert them. URLs are pinned to a commit where the
 * host allows it, so the bytes cannot change under a recorded checksum.
 *
 * The checksums of Planetoid's Cora and PubMed files are those recorded in the shared data's
 * provenance (the same git blobs PyG's `Planetoid` downloads). No checksum is recorded here for
 * CiteSeer, Shchur et al.'s npz files or OGB's zips: nothing on this machine could fetch them to
 * measure one. Their downloads are still hashed and the hash recorded in provenance.json, and
 * `--catalog FILE` can pin them.
 */

export interface CatalogFile {
  url: string;
  /** The file's path in its source (recorded in meta.json's `source`). */
  path: string;
  /** sha256 of the published bytes, where recorded; a download that differs is refused. */
  sha256?: string;
}

export type Converter =
  | { kind: "planetoid"; prefix: string; featureKind: string }
  | { kind: "shchur-npz"; featureKind: string }
  | { kind: "ogb-node"; folder: string; split: string; addInverseEdges: boolean; featureKind: string };

export interface CatalogEntry {
  name: string;
  /** One line for `gnnc data list`. */
  summary: string;
  repository: string;
  commit?: string;
  files: CatalogFile[];
  converter: Converter;
  /** What to cite, as the data README does. */
  cite: string;
}

const PLANETOID_REPO = "https://github.com/kimiyoung/planetoid";
const PLANETOID_COMMIT = "af6abf468a772cc055bec88c52e4d6f51b7c37e3";
const SHCHUR_REPO = "https://github.com/shchur/gnn-benchmark";
const SHCHUR_COMMIT = "1e72912a0810cdf27ae54fd589a3b43358a2b161";

/** Recorded sha256 of Planetoid's files, by dataset and part (data README, shared meta.json). */
const PLANETOID_SHA256: Record<string, Partial<Record<string, string>>> = {
  cora: {
    x: "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
    y: "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
    tx: "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
    ty: "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
    allx: "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
    ally: "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
    graph: "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
    "test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
  },
  pubmed: {
    x: "fbe9cb5c47200d1b7769a26e579be3b7130b556831f9d850e77c4c74f2599b33",
    y: "e6c807633307a07ed659249006536a147c7999c797f11a2560752990181b41b3",
    tx: "4eb5f5d0f30f26497eb0ac6ac9719d09c67e284f1ed0385c93f3ef27a671da3d",
    ty: "ee2e0d4819d9fbcc403689c3bf2e49face401b605932f093bc58ab6461130fdd",
    ally: "0c37bbe3b5014ec365e9d393cf4791925e5ed94fb194305d74f064a8d7b50f0e",
    graph: "5b89f0036ca22909471f1e6558eb42fa06e0c730a577bde5b058b40638f81dc9",
    "test.index": "b101d421688bbaecbd82e8a18f1e282378d6830f3a37666f28ebc47f844341b5",
  },
};

const PLANETOID_CITE =
  "Yang, Cohen & Salakhutdinov, Revisiting Semi-Supervised Learning with Graph Embeddings, ICML 2016; Sen et al., Collective Classification in Network Data, AI Magazine 2008";

function planetoid(prefix: string, summary: string, featureKind: string): CatalogEntry {
  return {
    name: prefix,
    summary,
    repository: PLANETOID_REPO,
    commit: PLANETOID_COMMIT,
    files: PLANETOID_PARTS.map((part) => {
      const sha256 = PLANETOID_SHA256[prefix]?.[part];
      return { url: `${PLANETOID_REPO}/raw/${PLANETOID_COMMIT}/data/ind.${prefix}.${part}`, path: `data/ind.${prefix}.${part}`, ...(sha256 ? { sha256 } : {}) };
    }),
    converter: { kind: "planetoid", prefix, featureKind },
    cite: PLANETOID_CITE,
  };
}

function shchur(name: string, file: string, summary: string, featureKind: string, cite: string): CatalogEntry {
  return {
    name,
    summary,
    repository: SHCHUR_REPO,
    commit: SHCHUR_COMMIT,
    files: [{ url: `${SHCHUR_REPO}/raw/${SHCHUR_COMMIT}/data/npz/${file}`, path: `data/npz/${file}` }],
    converter: { kind: "shchur-npz", featureKind },
    cite: `Shchur, Mumme, Bojchevski & Günnemann, Pitfalls of Graph Neural Network Evaluation, 2018; ${cite}`,
  };
}

function ogb(name: string, folder: string, split: string, addInverseEdges: boolean, summary: string, featureKind: string): CatalogEntry {
  return {
    name,
    summary,
    repository: "https://ogb.stanford.edu",
    files: [{ url: `http://snap.stanford.edu/ogb/data/nodeproppred/${folder}.zip`, path: `nodeproppred/${folder}.zip` }],
    converter: { kind: "ogb-node", folder, split, addInverseEdges, featureKind },
    cite: "Hu et al., Open Graph Benchmark: Datasets for Machine Learning on Graphs, NeurIPS 2020",
  };
}

export const CATALOG: readonly CatalogEntry[] = [
  planetoid("cora", "Planetoid Cora: 2,708 papers, 7 classes, public split", "binary bag-of-words (values 0/1)"),
  planetoid("citeseer", "Planetoid CiteSeer: 3,327 papers, 6 classes, public split", "binary bag-of-words (values 0/1)"),
  planetoid("pubmed", "Planetoid PubMed: 19,717 papers, 3 classes, public split", "TF-IDF weighted word vectors (float)"),
  shchur("amazon_computers", "amazon_electronics_computers.npz", "Amazon Computers co-purchases: 13,752 products, 10 classes", "binary bag-of-words of product reviews", "McAuley et al., SIGIR 2015"),
  shchur("amazon_photo", "amazon_electronics_photo.npz", "Amazon Photo co-purchases: 7,650 products, 8 classes", "binary bag-of-words of product reviews", "McAuley et al., SIGIR 2015"),
  shchur("coauthor_cs", "ms_academic_cs.npz", "Coauthor CS: 18,333 authors, 15 fields", "paper-keyword counts per author", "Microsoft Academic Graph (KDD Cup 2016)"),
  shchur("coauthor_physics", "ms_academic_phy.npz", "Coauthor Physics: 34,493 authors, 5 fields", "paper-keyword counts per author", "Microsoft Academic Graph (KDD Cup 2016)"),
  ogb("ogbn-arxiv", "arxiv", "time", false, "OGB arXiv citations: 169,343 papers, 40 subject areas, time split (directed)", "128-dim mean word2vec embedding of title and abstract"),
  ogb("ogbn-products", "products", "sales_ranking", true, "OGB Amazon products: 2,449,029 products, 47 categories (a ~1.4 GB download; needs several GB of memory to convert)", "100-dim PCA of bag-of-words product descriptions"),
];

/** The catalog entry `name`, from `extra` (a `--catalog` file) first, then the built-in ones. */
export function catalogEntry(name: string, extra: readonly CatalogEntry[] = []): CatalogEntry | undefined {
  return extra.find((e) => e.name === name) ?? CATALOG.find((e) => e.name === name);
}

/** Entries of a `--catalog` JSON file (a list of entries in this module's shape), checked. */
export function parseCatalog(text: string, file: string): CatalogEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DataError("malformed", `not valid JSON: ${(e as Error).message}`, file);
  }
  if (!Array.isArray(raw)) throw new DataError("malformed", "a catalog is a JSON list of entries", file);
  return raw.map((e, k) => {
    const where = `entry ${k}`;
    const ok =
      typeof e === "object" && e !== null && typeof e.name === "string" && typeof e.repository === "string" && Array.isArray(e.files) &&
      e.files.every((f: unknown) => typeof f === "object" && f !== null && typeof (f as CatalogFile).url === "string" && typeof (f as CatalogFile).path === "string") &&
      typeof e.converter === "object" && ["planetoid", "shchur-npz", "ogb-node"].includes(e.converter?.kind);
    if (!ok) throw new DataError("malformed", `${where} needs name, repository, files [{url, path, sha256?}] and a converter (planetoid, shchur-npz or ogb-node)`, file);
    return { summary: "", cite: "", ...e } as CatalogEntry;
  });
}
