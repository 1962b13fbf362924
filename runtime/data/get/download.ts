import { createHash } from "node:crypto";
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { get as httpGet, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { DataError } from "../errors.js";

/**
 * One file over HTTP(S) into `path`: redirects followed (GitHub's /raw/ URLs redirect), the bytes
 * hashed as they arrive, written to `path.part` and renamed into place only when complete — a
 * failed or interrupted download leaves nothing at `path`.
 */

export interface Progress {
  url: string;
  received: number;
  /** From Content-Length; undefined when the server does not say. */
  total?: number;
}

export interface Downloaded {
  /** The URL the bytes came from after redirects. */
  finalUrl: string;
  bytes: number;
  sha256: string;
}

const MAX_REDIRECTS = 5;
/** A connection silent for this long is given up on. */
const IDLE_MS = 60_000;

export async function download(url: string, path: string, onProgress?: (p: Progress) => void): Promise<Downloaded> {
  const part = `${path}.part`;
  const fd = openSync(part, "w");
  const hash = createHash("sha256");
  let received = 0;
  try {
    const response = await open(url, 0);
    const total = Number(response.res.headers["content-length"]) || undefined;
    await new Promise<void>((resolve, reject) => {
      response.res.on("data", (chunk: Buffer) => {
        writeSync(fd, chunk);
        hash.update(chunk);
        received += chunk.length;
        onProgress?.({ url, received, total });
      });
      response.res.on("end", resolve);
      response.res.on("error", reject);
      response.res.on("aborted", () => reject(new Error("the connection was closed before the end")));
    });
    if (total !== undefined && received !== total) throw new Error(`received ${received} of ${total} bytes`);
    closeSync(fd);
    renameSync(part, path);
    return { finalUrl: response.url, bytes: received, sha256: hash.digest("hex") };
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(part, { force: true });
    if (e instanceof DataError) throw e;
    throw new DataError("download", `GET ${url}: ${(e as Error).message}`);
  }
}

function open(url: string, redirects: number): Promise<{ res: IncomingMessage; url: string }> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new DataError("download", `${JSON.stringify(url)} is not a URL`));
      return;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      reject(new DataError("download", `${url}: only http and https URLs are fetched`));
      return;
    }
    const get = parsed.protocol === "https:" ? httpsGet : httpGet;
    const req = get(parsed, { headers: { "user-agent": "gnnc" } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) reject(new DataError("download", `GET ${url}: more than ${MAX_REDIRECTS} redirects`));
        else open(new URL(res.headers.location, parsed).toString(), redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new DataError("download", `GET ${url}: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ""}`));
        return;
      }
      resolve({ res, url });
    });
    req.setTimeout(IDLE_MS, () => req.destroy(new Error(`no data for ${IDLE_MS / 1000} s`)));
    req.on("error", (e) => reject(new DataError("download", `GET ${url}: ${e.message}`)));
  });
}
