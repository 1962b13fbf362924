import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { GNNC_VERSION } from "../../compiler/api/version.js";
import { cacheDir, DataError, DATA_DIR_ENV } from "../../runtime/data/index.js";
import { CATALOG, parseCatalog, type CatalogEntry } from "../../runtime/data/get/catalog.js";
import { getDataset, type GetEvent } from "../../runtime/data/get/get.js";
import { parseCommandArgs } from "../args.js";
import { EXIT_ERRORS, EXIT_OK, UsageError, type Io } from "../io.js";

export const dataHelp = `gnnc data get NAME... [--dir DIR] [--mirror URL] [--catalog FILE] [--force]
gnnc data list [--dir DIR]

get   download a dataset's original files (Planetoid's pickles, Shchur et al.'s npz, OGB's zips),
      check each against its recorded sha256, convert them to gnnc's binary format and record
      where they came from (meta.json's source, provenance.json). The originals stay in raw/.
list  the datasets gnnc can download, and whether each is already in the data folder.

  --dir DIR        the data folder (default: the first folder of $${DATA_DIR_ENV}, else
                   ~/.cache/gnnc, which gnnc always searches; $XDG_CACHE_HOME is honoured)
  --mirror URL     fetch from a mirror that serves each file under its URL's host and path
                   (URL/github.com/kimiyoung/planetoid/raw/…); also $GNNC_DATA_MIRROR
  --catalog FILE   extra catalog entries (a JSON list in the built-in entries' shape), e.g. to
                   pin the checksums of a private mirror; they take precedence by name
  --force          download and convert again even if the dataset is there

Files without a recorded checksum (noted in the list) are still hashed; the hash is recorded in
provenance.json and printed. Exit codes: 0 done, 1 a download or conversion failed, 2 usage.`;

export async function data(io: Io, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("data", argv, {
    dir: { type: "string" },
    mirror: { type: "string" },
    catalog: { type: "string" },
    force: { type: "boolean" },
  });
  const [verb, ...names] = positionals;
  const flag = (key: string) => values[key] as string | undefined;
  const dir = resolve(flag("dir") ?? io.env[DATA_DIR_ENV]?.split(delimiter).find((d) => d !== "") ?? cacheDir(io.env));
  if (verb === "list") {
    if (names.length) throw new UsageError("gnnc data list takes no names");
    for (const e of CATALOG) {
      const here = existsSync(join(dir, e.name, "meta.json")) ? "present" : "not downloaded";
      const recorded = e.files.filter((f) => f.sha256).length;
      const verified = recorded === e.files.length ? "sha256 recorded" : recorded ? `sha256 recorded for ${recorded} of ${e.files.length} files` : "no recorded sha256";
      io.out(`${e.name.padEnd(18)} ${e.summary}\n${"".padEnd(18)} ${here} in ${dir}; ${verified}\n`);
    }
    return EXIT_OK;
  }
  if (verb !== "get") throw new UsageError(`gnnc data: expected \`get\` or \`list\`, found ${verb === undefined ? "nothing" : `\`${verb}\``}`);
  if (names.length === 0) throw new UsageError(`gnnc data get: name a dataset (one of ${CATALOG.map((e) => e.name).join(", ")})`);
  let extra: CatalogEntry[] = [];
  const catalogFile = flag("catalog");
  if (catalogFile) {
    const text = io.readFile(catalogFile);
    if (text === undefined) throw new UsageError(`gnnc data get: cannot read the catalog \`${catalogFile}\``);
    try {
      extra = parseCatalog(text, catalogFile);
    } catch (e) {
      return reportDataError(io, e);
    }
  }
  const mirror = flag("mirror") ?? io.env.GNNC_DATA_MIRROR;
  for (const name of names) {
    try {
      const r = await getDataset(name, {
        dir,
        mirror,
        catalog: extra,
        force: values.force === true,
        tool: `gnnc ${GNNC_VERSION}`,
        onEvent: (e) => progress(io, name, e),
      });
      if (!r.fetched) io.out(`${name}: already in ${r.dir} (--force to download it again)\n`);
      else {
        for (const f of r.unverified) io.err(`warning: ${name}: ${f} has no recorded sha256; its hash is in provenance.json\n`);
        io.out(`${name}: written to ${r.dir}\n`);
      }
    } catch (e) {
      return reportDataError(io, e);
    }
  }
  return EXIT_OK;
}

function reportDataError(io: Io, e: unknown): number {
  if (!(e instanceof DataError)) throw e;
  io.err(`error[${e.code}]: ${e.message}\n  help: ${e.help}\n`);
  return EXIT_ERRORS;
}

/** One line per finished file (and a redrawn line per file while it arrives, on a terminal). */
function progress(io: Io, name: string, e: GetEvent): void {
  if (e.kind === "download") {
    if (!io.stderrIsTTY) return;
    const { received, total } = e.progress;
    const pct = total ? ` ${((100 * received) / total).toFixed(0)}%` : "";
    io.err(`\r${name}: ${e.file} ${megabytes(received)}${total ? ` of ${megabytes(total)}` : ""}${pct}\x1b[K`);
  } else if (e.kind === "verified") {
    const check = e.recorded ? "sha256 verified" : `sha256 ${e.sha256} (none recorded)`;
    io.err(`${io.stderrIsTTY ? "\r" : ""}${name}: ${e.file} ok, ${check}${io.stderrIsTTY ? "\x1b[K" : ""}\n`);
  } else if (e.kind === "converting") {
    io.err(`${name}: converting (${e.converter})\n`);
  }
}

function megabytes(n: number): string {
  return n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`;
}
