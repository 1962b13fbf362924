import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** README's "Coming from PyG" shows every examples/pyg file, as it is, beside the PyG code it ports. */
const README = readFileSync("README.md", "utf8");

/** A file's text as the README shows it: its leading comment block dropped, HTML-escaped. */
function shown(text: string): string {
  const body = text.replace(/^(#[^\n]*\n)+\n?/, "").replace(/\n+$/, "");
  return body.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

describe("README: coming from PyG", () => {
  const files = readdirSync("examples/pyg").filter((f) => f.endsWith(".gnn"));

  it("has the examples", () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  for (const file of files) {
    it(`shows examples/pyg/${file} as the file is, beside PyG code`, () => {
      const at = README.indexOf(`(examples/pyg/${file})`);
      expect(at, file).toBeGreaterThan(0);
      const section = README.slice(at, README.indexOf("</table>", at));
      expect(section).toContain('<pre lang="python">');
      expect(section).toContain(`<pre>${shown(readFileSync(`examples/pyg/${file}`, "utf8"))}</pre>`);
    });
  }
});
