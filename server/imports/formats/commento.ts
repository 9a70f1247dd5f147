import { Readable } from "node:stream";
import { chain } from "stream-chain";
import { parser } from "stream-json";
import { pick } from "stream-json/filters/Pick";
import { streamValues } from "stream-json/streamers/StreamValues";
import type { CommentStatus } from "../../../models/Comment";
import {
  clean,
  emailOrNull,
  htmlToMarkdown,
  httpUrlOrNull,
  parseDate,
  type SourceRecord,
} from "../records";
import { asObject } from "./jsonLines";

const STATUSES: Record<string, CommentStatus> = {
  approved: "approved",
  unapproved: "pending",
  flagged: "spam",
};

/**
 * Commento's export: one JSON object whose `comments` and `commenters` arrays are read element by
 * element, never whole. Comments name their author by `commenterHex` (resolved once the file is
 * read, since commenters come after them) and their page by `url`, its path.
 */
export async function* parseCommento(source: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  const pipeline = chain([
    Readable.from(source),
    parser(),
    pick({ filter: /^(comments|commenters)\.\d+$/ }),
    streamValues(),
  ]);
  const threads = new Set<string>();
  let n = 0;
  try {
    for await (const data of pipeline as AsyncIterable<{ key: number; value: unknown }>) {
      n++;
      const v = asObject(data.value);
      if (!v) {
        yield { kind: "error", message: `element ${n} is not an object` };
        continue;
      }
      if (typeof v.commentHex !== "string") {
        const id = clean(v.commenterHex);
        if (!id) {
          yield { kind: "error", message: `commenter ${n} has no commenterHex` };
          continue;
        }
        yield {
          kind: "author",
          id,
          author: {
            name: clean(v.name, 100) ?? "Anonymous",
            email: emailOrNull(v.email),
            website: httpUrlOrNull(v.link),
            avatarUrl: httpUrlOrNull(v.photo),
          },
        };
        continue;
      }
      yield* comment(v, threads);
    }
  } catch (err) {
    yield { kind: "error", message: `malformed JSON: ${(err as Error).message}` };
  }
}

function* comment(v: Record<string, unknown>, threads: Set<string>): Generator<SourceRecord> {
  const id = clean(v.commentHex)!;
  const url = clean(v.url);
  if (!url) {
    yield { kind: "error", message: `comment ${id} has no url` };
    return;
  }
  const createdAt = parseDate(clean(v.creationDate));
  if (!createdAt) {
    yield { kind: "error", message: `comment ${id} has no valid creationDate` };
    return;
  }
  if (!threads.has(url)) {
    threads.add(url);
    const domain = clean(v.domain);
    yield {
      kind: "thread",
      id: url,
      url: domain ? `https://${domain}${url.startsWith("/") ? "" : "/"}${url}` : url,
      title: null,
      identifier: null,
      closed: false,
      createdAt: null,
    };
  }
  const commenter = clean(v.commenterHex);
  const parent = clean(v.parentHex);
  yield {
    kind: "comment",
    id,
    thread: url,
    parent: parent && parent !== "root" ? parent : null,
    author:
      commenter && commenter !== "anonymous"
        ? { ref: commenter }
        : { name: "Anonymous", email: null, website: null, avatarUrl: null },
    createdAt,
    editedAt: null,
    status: v.deleted === true ? "deleted" : (STATUSES[String(v.state)] ?? "approved"),
    body: clean(v.markdown, 100_000) ?? htmlToMarkdown(clean(v.html, 200_000) ?? ""),
    score: typeof v.score === "number" && Number.isFinite(v.score) ? Math.trunc(v.score) : 0,
    pinned: false,
  };
}
