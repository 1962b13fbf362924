/**
 * A very small SVG writer: elements as data, rendered with every attribute and text escaped, so
 * a run name or metric name can never break the document.
 */

export type SvgAttrs = Readonly<Record<string, string | number | undefined>>;

export interface SvgElement {
  readonly tag: string;
  readonly attrs: SvgAttrs;
  /** Child elements, or text (escaped when rendered). */
  readonly children: readonly (SvgElement | string)[];
}

export function el(tag: string, attrs: SvgAttrs = {}, ...children: (SvgElement | string)[]): SvgElement {
  return { tag, attrs, children };
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]);
}

/** Coordinates to 2 decimals: plenty for a chart, and keeps the file small and stable. */
export function coord(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function renderAttrs(attrs: SvgAttrs): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === "number" ? coord(v) : String(v))}"`)
    .join("");
}

export function renderSvg(node: SvgElement | string, indent = ""): string {
  if (typeof node === "string") return indent + escapeXml(node);
  const open = `${indent}<${node.tag}${renderAttrs(node.attrs)}`;
  if (node.children.length === 0) return `${open}/>`;
  if (node.children.every((c) => typeof c === "string")) return `${open}>${node.children.map((c) => escapeXml(c as string)).join("")}</${node.tag}>`;
  const inner = node.children.map((c) => renderSvg(c, indent + "  ")).join("\n");
  return `${open}>\n${inner}\n${indent}</${node.tag}>`;
}

/** A standalone SVG document of the given size. */
export function svgDocument(width: number, height: number, children: readonly SvgElement[]): string {
  const root = el("svg", { xmlns: "http://www.w3.org/2000/svg", width, height, viewBox: `0 0 ${width} ${height}`, "font-family": "sans-serif", "font-size": 12 }, ...children);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderSvg(root)}\n`;
}
