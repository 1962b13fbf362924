/**
 * A strict-enough XML well-formedness check for generated SVG: tags balance, attributes are
 * quoted, `&` only starts an entity, no `<` in text. Returns the problems (empty when fine).
 */
export function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, "");
  const tokens = body.split(/(<[^<>]*>)/);
  for (const token of tokens) {
    if (!token.startsWith("<")) {
      if (/[<>]/.test(token)) problems.push(`stray angle bracket in text: ${token}`);
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(token)) problems.push(`unescaped & in text: ${token}`);
      continue;
    }
    const close = /^<\/([\w:-]+)\s*>$/.exec(token);
    if (close) {
      const open = stack.pop();
      if (open !== close[1]) problems.push(`</${close[1]}> closes <${open}>`);
      continue;
    }
    const open = /^<([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    if (!open) {
      problems.push(`malformed tag: ${token}`);
      continue;
    }
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(open[2])) problems.push(`unescaped & in attributes: ${token}`);
    if (!open[3]) stack.push(open[1]);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(", ")}`);
  return problems;
}

/** Every element `<tag …>` (opening or self-closing) with its attributes. */
export function elements(text: string, tag: string): Record<string, string>[] {
  return [...text.matchAll(new RegExp(`<${tag}((?:\\s+[\\w:-]+="[^"]*")*)\\s*/?>`, "g"))].map((m) =>
    Object.fromEntries([...m[1].matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
  );
}
