import { StringDecoder } from "node:string_decoder";
import sax from "sax";

/** An element collected whole: its attributes, its text (CDATA included) and its children. */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: XmlNode[];
  line: number;
}

/** The first child named `name`, through a path of names ("author/name"). */
export function child(node: XmlNode | undefined, path: string): XmlNode | undefined {
  let cur = node;
  for (const name of path.split("/")) cur = cur?.children.find((c) => c.name === name);
  return cur;
}

/** The trimmed text of the child at `path` (exports pad values with newlines and tabs), or null. */
export function textOf(node: XmlNode | undefined, path: string): string | null {
  const t = child(node, path)?.text.trim();
  return t ? t : null;
}

export type XmlItem = { node: XmlNode } | { error: string; line: number };

/**
 * Streams an XML document and yields, one at a time, each element whose ancestry `wanted` accepts
 * (names from the root down), collected whole; nothing else is kept, so memory stays bounded by the
 * largest such element. Malformed markup is reported with its line and parsing goes on after it;
 * anything before the first `<` (a BOM, a stray character before the declaration) is dropped.
 */
export async function* xmlElements(
  source: AsyncIterable<Buffer | string>,
  wanted: (path: string[]) => boolean,
): AsyncGenerator<XmlItem> {
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  const out: XmlItem[] = [];
  const path: string[] = [];
  // The open elements being collected, innermost last.
  const stack: XmlNode[] = [];
  let reported = 0;
  parser.onopentag = (tag) => {
    path.push(tag.name);
    if (stack.length > 0 || wanted(path)) {
      const attrs: Record<string, string> = {};
      for (const [k, v] of Object.entries(tag.attributes)) attrs[k] = String(v);
      const node: XmlNode = {
        name: tag.name,
        attrs,
        text: "",
        children: [],
        line: parser.line + 1,
      };
      stack[stack.length - 1]?.children.push(node);
      stack.push(node);
    }
  };
  const text = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.ontext = text;
  parser.oncdata = text;
  parser.onclosetag = () => {
    path.pop();
    const node = stack.pop();
    if (node && stack.length === 0) out.push({ node });
  };
  parser.onerror = (err) => {
    // One report per line is enough to find it; sax may raise several for one bad spot.
    if (reported !== parser.line) {
      out.push({ error: err.message.split("\n")[0] ?? "malformed XML", line: parser.line + 1 });
      reported = parser.line;
    }
    (parser as unknown as { error: Error | null }).error = null;
  };
  const decoder = new StringDecoder("utf8");
  let started = false;
  for await (const chunk of source) {
    let s = typeof chunk === "string" ? chunk : decoder.write(chunk);
    if (!started) {
      const at = s.indexOf("<");
      if (at === -1) continue;
      s = s.slice(at);
      started = true;
    }
    parser.write(s);
    while (out.length > 0) yield out.shift()!;
  }
  parser.write(decoder.end());
  parser.close();
  while (out.length > 0) yield out.shift()!;
}
