import { clean, htmlToMarkdown, httpUrlOrNull, parseDate, type SourceRecord } from "../records";
import { asObject, jsonLines } from "./jsonLines";

/**
 * Remark42's backup: a first line with the site's metadata (`version`, `users`, `posts`), then one
 * comment a line. Threads are the comments' `locator.url`; `orig` is the Markdown the author wrote,
 * `text` its rendered HTML. Remark42 keeps no emails.
 */
export async function* parseRemark42(source: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  const threads = new Set<string>();
  for await (const item of jsonLines(source)) {
    if ("error" in item) {
      yield { kind: "error", message: item.error, line: item.line };
      continue;
    }
    const { line } = item;
    const c = asObject(item.value);
    if (!c) {
      yield { kind: "error", message: "a line that is not an object", line };
      continue;
    }
    // The metadata line (and any other line without a comment id) describes, not comments.
    if (c.id === undefined && ("version" in c || "posts" in c || "users" in c)) continue;
    const id = clean(c.id);
    const url = clean(asObject(c.locator)?.url);
    if (!id || !url) {
      yield { kind: "error", message: "a comment without id or locator.url", line };
      continue;
    }
    const createdAt = parseDate(clean(c.time));
    if (!createdAt) {
      yield { kind: "error", message: `comment ${id} has no valid time`, line };
      continue;
    }
    if (!threads.has(url)) {
      threads.add(url);
      yield {
        kind: "thread",
        id: url,
        url,
        title: clean(c.title, 500),
        identifier: null,
        closed: false,
        createdAt: null,
        line,
      };
    }
    const user = asObject(c.user) ?? {};
    const edit = asObject(c.edit);
    yield {
      kind: "comment",
      id,
      thread: url,
      parent: clean(c.pid),
      author: {
        name: clean(user.name, 100) ?? "Anonymous",
        email: null,
        website: null,
        avatarUrl: httpUrlOrNull(user.picture),
      },
      createdAt,
      editedAt: edit ? parseDate(clean(edit.time)) : null,
      status: c.delete === true ? "deleted" : "approved",
      body: clean(c.orig, 100_000) ?? htmlToMarkdown(clean(c.text, 200_000) ?? ""),
      score: typeof c.score === "number" && Number.isFinite(c.score) ? Math.trunc(c.score) : 0,
      pinned: c.pin === true,
      line,
    };
  }
}
