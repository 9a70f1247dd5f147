import type { CommentStatus } from "../../../models/Comment";
import {
  clean,
  emailOrNull,
  htmlToMarkdown,
  httpUrlOrNull,
  parseDate,
  plainText,
  type SourceRecord,
} from "../records";
import { textOf, xmlElements, type XmlNode } from "../xml";

// wp:comment_approved as WordPress writes it ("trash" and "post-trashed" are its bin).
const STATUSES: Record<string, CommentStatus> = {
  "1": "approved",
  approve: "approved",
  approved: "approved",
  "0": "pending",
  hold: "pending",
  spam: "spam",
  trash: "deleted",
  "post-trashed": "deleted",
};

/** WordPress's time without a zone: `_gmt` fields are UTC. */
const gmt = (v: string | null) => (v && !v.startsWith("0000") ? parseDate(`${v}Z`) : null);

/**
 * WordPress's WXR (1.0 to 1.2): one `<item>` a post, page or attachment, its comments inside it as
 * `<wp:comment>`. An item becomes a thread only if it has comments.
 */
export async function* parseWxr(source: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  for await (const item of xmlElements(
    source,
    (path) => path.length === 3 && path[1] === "channel" && path[2] === "item",
  )) {
    if ("error" in item) {
      yield { kind: "error", message: `malformed XML: ${item.error}`, line: item.line };
      continue;
    }
    yield* fromItem(item.node);
  }
}

function* fromItem(node: XmlNode): Generator<SourceRecord> {
  const comments = node.children.filter((c) => c.name === "wp:comment");
  if (comments.length === 0) return;
  const id = clean(textOf(node, "wp:post_id"));
  if (!id) {
    yield { kind: "error", message: "an item with comments but no wp:post_id", line: node.line };
    return;
  }
  yield {
    kind: "thread",
    id,
    url: clean(textOf(node, "link")) ?? clean(textOf(node, "guid")),
    title: plainText(textOf(node, "title"), 500),
    identifier: id,
    closed: textOf(node, "wp:comment_status") === "closed",
    createdAt: gmt(textOf(node, "wp:post_date_gmt")) ?? parseDate(textOf(node, "wp:post_date")),
    line: node.line,
  };
  for (const c of comments) yield comment(c, id);
}

function comment(node: XmlNode, thread: string): SourceRecord {
  const line = node.line;
  const id = clean(textOf(node, "wp:comment_id"));
  if (!id) return { kind: "error", message: "a comment without wp:comment_id", line };
  const type = textOf(node, "wp:comment_type") ?? "comment";
  if (type === "pingback" || type === "trackback") {
    return { kind: "skipped", reason: type, line };
  }
  const createdAt =
    gmt(textOf(node, "wp:comment_date_gmt")) ?? parseDate(textOf(node, "wp:comment_date"));
  if (!createdAt) return { kind: "error", message: `comment ${id} has no valid date`, line };
  const approved = textOf(node, "wp:comment_approved") ?? "1";
  const status = STATUSES[approved.toLowerCase()];
  if (!status) {
    return { kind: "error", message: `comment ${id} has unknown status "${approved}"`, line };
  }
  const parent = clean(textOf(node, "wp:comment_parent"));
  return {
    kind: "comment",
    id,
    thread,
    parent: parent && parent !== "0" ? parent : null,
    author: {
      name: plainText(textOf(node, "wp:comment_author"), 100) ?? "Anonymous",
      email: emailOrNull(textOf(node, "wp:comment_author_email")),
      website: httpUrlOrNull(textOf(node, "wp:comment_author_url")),
      avatarUrl: null,
    },
    createdAt,
    editedAt: null,
    status,
    body: htmlToMarkdown(textOf(node, "wp:comment_content") ?? ""),
    score: 0,
    pinned: false,
    line,
  };
}
