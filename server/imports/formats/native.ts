import { COMMENT_STATUSES, type CommentStatus } from "../../../models/Comment";
import { clean, emailOrNull, httpUrlOrNull, parseDate, type SourceRecord } from "../records";
import { asObject, jsonLines } from "./jsonLines";

/**
 * Our own export (GET /api/v1/sites/:site/export): NDJSON lines of type site, thread and comment.
 * Thread keys come back as they were: a thread's key is its identifier.
 */
export async function* parseNative(source: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  for await (const item of jsonLines(source)) {
    if ("error" in item) {
      yield { kind: "error", message: item.error, line: item.line };
      continue;
    }
    const { line } = item;
    const v = asObject(item.value);
    if (v?.type === "site") continue;
    if (v?.type === "thread") {
      const key = clean(v.key, 200);
      if (!key) {
        yield { kind: "error", message: "a thread without key", line };
        continue;
      }
      yield {
        kind: "thread",
        id: key,
        url: clean(v.url),
        title: clean(v.title, 500),
        identifier: key,
        closed: v.open === false,
        createdAt: parseDate(clean(v.createdAt)),
        line,
      };
      continue;
    }
    if (v?.type !== "comment") {
      yield { kind: "error", message: "a line of unknown type", line };
      continue;
    }
    const id = clean(v.id);
    const thread = clean(v.threadKey, 200);
    const createdAt = parseDate(clean(v.createdAt));
    const status = COMMENT_STATUSES.find((s) => s === v.status) as CommentStatus | undefined;
    if (!id || !thread || !createdAt || !status) {
      yield {
        kind: "error",
        message: "a comment without id, threadKey, createdAt or a known status",
        line,
      };
      continue;
    }
    const author = asObject(v.author) ?? {};
    yield {
      kind: "comment",
      id,
      thread,
      parent: clean(v.parentId),
      author: {
        name: clean(author.name, 100) ?? "Anonymous",
        email: emailOrNull(author.email),
        website: httpUrlOrNull(author.website),
        avatarUrl: httpUrlOrNull(author.avatarUrl),
      },
      createdAt,
      editedAt: parseDate(clean(v.editedAt)),
      status,
      body: clean(v.body, 100_000) ?? "",
      score: typeof v.score === "number" && Number.isFinite(v.score) ? Math.trunc(v.score) : 0,
      pinned: v.pinned === true,
      line,
    };
  }
}
