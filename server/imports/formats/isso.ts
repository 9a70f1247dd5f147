import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import Database from "better-sqlite3";
import type { CommentStatus } from "../../../models/Comment";
import { clean, emailOrNull, httpUrlOrNull, parseDate, type SourceRecord } from "../records";

// Isso's comments.mode: 1 accepted, 2 waiting for moderation, 4 deleted (kept while replied to).
const MODES: Record<number, CommentStatus> = { 1: "approved", 2: "pending", 4: "deleted" };

/**
 * Isso's SQLite database (`comments.db`). SQLite needs a file to seek in, so the body is spooled to
 * a temporary file first; rows are then read one at a time. Bodies are Markdown, as Isso stores them.
 */
export async function* parseIsso(source: AsyncIterable<Buffer>): AsyncGenerator<SourceRecord> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "isso-import-"));
  const file = path.join(dir, "comments.db");
  let db: Database.Database | null = null;
  try {
    await pipeline(Readable.from(source), fs.createWriteStream(file, { mode: 0o600 }));
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      db.prepare("SELECT id, uri, title FROM threads LIMIT 1").all();
      db.prepare(
        "SELECT tid, id, parent, created, mode, author, email, website, text FROM comments LIMIT 1",
      ).all();
    } catch (err) {
      yield { kind: "error", message: `not an Isso database: ${(err as Error).message}` };
      return;
    }
    for (const row of db.prepare("SELECT id, uri, title FROM threads").iterate() as Iterable<{
      id: number;
      uri: string | null;
      title: string | null;
    }>) {
      const uri = clean(row.uri);
      if (!uri) {
        yield { kind: "error", message: `thread ${row.id} has no uri` };
        continue;
      }
      yield {
        kind: "thread",
        id: String(row.id),
        url: uri,
        title: clean(row.title, 500),
        identifier: null,
        closed: false,
        createdAt: null,
      };
    }
    const hasVotes = (db.prepare("PRAGMA table_info(comments)").all() as { name: string }[]).some(
      (c) => c.name === "likes",
    );
    const rows = db
      .prepare(
        `SELECT tid, id, parent, created, modified, mode, author, email, website, text${
          hasVotes ? ", likes, dislikes" : ""
        } FROM comments ORDER BY id`,
      )
      .iterate() as Iterable<Record<string, unknown>>;
    for (const row of rows) {
      const id = String(row.id);
      const status = MODES[Number(row.mode)];
      const createdAt = parseDate(typeof row.created === "number" ? row.created * 1000 : null);
      if (!status || !createdAt) {
        yield { kind: "error", message: `comment ${id} has an unknown mode or no created time` };
        continue;
      }
      const modified = typeof row.modified === "number" ? parseDate(row.modified * 1000) : null;
      yield {
        kind: "comment",
        id,
        thread: String(row.tid),
        parent: row.parent === null || row.parent === undefined ? null : String(row.parent),
        author: {
          name: clean(row.author, 100) ?? "Anonymous",
          email: emailOrNull(row.email),
          website: httpUrlOrNull(row.website),
          avatarUrl: null,
        },
        createdAt,
        editedAt: modified,
        status,
        body: clean(row.text, 100_000) ?? "",
        score: (Number(row.likes) || 0) - (Number(row.dislikes) || 0),
        pinned: false,
      };
    }
  } finally {
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
