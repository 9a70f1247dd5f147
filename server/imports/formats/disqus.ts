import {
  clean,
  emailOrNull,
  htmlToMarkdown,
  parseDate,
  plainText,
  type SourceRecord,
} from "../records";
import { textOf, xmlElements, type XmlNode } from "../xml";

const isTrue = (v: string | null) => v?.toLowerCase() === "true";

/**
 * Disqus's XML export: `<thread dsq:id>` elements, then `<post dsq:id>` elements naming their
 * thread and parent by `dsq:id`, in any order. Bodies are HTML in CDATA.
 */
export async function* parseDisqus(source: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  for await (const item of xmlElements(
    source,
    (path) => path.length === 2 && (path[1] === "thread" || path[1] === "post"),
  )) {
    if ("error" in item) {
      yield { kind: "error", message: `malformed XML: ${item.error}`, line: item.line };
      continue;
    }
    yield item.node.name === "thread" ? thread(item.node) : post(item.node);
  }
}

function thread(node: XmlNode): SourceRecord {
  const id = clean(node.attrs["dsq:id"]);
  if (!id) return { kind: "error", message: "a thread without dsq:id", line: node.line };
  return {
    kind: "thread",
    id,
    url: clean(textOf(node, "link")),
    title: plainText(textOf(node, "title"), 500),
    identifier: clean(textOf(node, "id"), 200),
    closed: isTrue(textOf(node, "isClosed")),
    createdAt: parseDate(textOf(node, "createdAt")),
    line: node.line,
  };
}

function post(node: XmlNode): SourceRecord {
  const line = node.line;
  const id = clean(node.attrs["dsq:id"]);
  if (!id) return { kind: "error", message: "a post without dsq:id", line };
  const threadId = clean(node.children.find((c) => c.name === "thread")?.attrs["dsq:id"]);
  if (!threadId) return { kind: "error", message: `post ${id} names no thread`, line };
  const createdAt = parseDate(textOf(node, "createdAt"));
  if (!createdAt) return { kind: "error", message: `post ${id} has no valid createdAt`, line };
  const anonymous = isTrue(textOf(node, "author/isAnonymous"));
  const status = isTrue(textOf(node, "isDeleted"))
    ? "deleted"
    : isTrue(textOf(node, "isSpam"))
      ? "spam"
      : // Disqus marks held posts with isApproved false where it writes the field.
        textOf(node, "isApproved")?.toLowerCase() === "false"
        ? "pending"
        : "approved";
  return {
    kind: "comment",
    id,
    thread: threadId,
    parent: clean(node.children.find((c) => c.name === "parent")?.attrs["dsq:id"]),
    author: {
      name:
        plainText(textOf(node, "author/name"), 100) ??
        (anonymous ? "Anonymous" : clean(textOf(node, "author/username"), 100)) ??
        "Anonymous",
      email: emailOrNull(textOf(node, "author/email")),
      website: null,
      avatarUrl: null,
    },
    createdAt,
    editedAt: null,
    status,
    body: htmlToMarkdown(textOf(node, "message") ?? ""),
    score: 0,
    pinned: false,
    line,
  };
}
