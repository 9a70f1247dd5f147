import crypto from "node:crypto";
import os from "node:os";
import { insertEach, isDuplicateKey } from "../database";
import { Import, KEPT_IMPORT_ERRORS, type ImportDoc, type ImportError } from "../../models/Import";
import { ImportRecord, type ImportRecordDoc } from "../../models/ImportRecord";
import { Thread } from "../../models/Thread";
import { analyzeEngine } from "../engineIndexes";
import type { DomainEvents } from "../events";
import { addApprovals } from "../services/commentStatus";
import { getSite } from "../services/sites";
import { parseCommento } from "./formats/commento";
import { parseDisqus } from "./formats/disqus";
import { parseIsso } from "./formats/isso";
import { parseNative } from "./formats/native";
import { parseRemark42 } from "./formats/remark42";
import { parseWxr } from "./formats/wxr";
import {
  urlPath,
  type ImportFormat,
  type SourceAuthor,
  type SourceComment,
  type SourceRecord,
  type SourceThread,
  type ThreadKeySource,
} from "./records";
import { writeThread } from "./threadWriter";

const PARSERS: Record<ImportFormat, (s: AsyncIterable<Buffer>) => AsyncGenerator<SourceRecord>> = {
  disqus: parseDisqus,
  wxr: parseWxr,
  remark42: parseRemark42,
  isso: parseIsso,
  commento: parseCommento,
  native: parseNative,
};

/** What a file's first bytes say it is, or null. */
export function sniffFormat(head: Buffer): ImportFormat | null {
  if (head.subarray(0, 16).toString("latin1") === "SQLite format 3\u0000") return "isso";
  const text = head.toString("utf8");
  if (/<disqus[\s>]/.test(text)) return "disqus";
  if (/<rss[\s>]/.test(text) && /wordpress\.org\/export/.test(text)) return "wxr";
  const start = text.replace(/^[^{[]*/, "");
  if (/^\{\s*"type"\s*:\s*"(site|thread|comment)"/.test(start)) return "native";
  if (/"commentHex"|"commenters"/.test(text) && /^\{\s*"version"/.test(start)) return "commento";
  if (/^\{/.test(start) && /"locator"|"posts"|"users"/.test(text)) return "remark42";
  return null;
}

/** The thread key an imported thread gets (shared/API.md "Import and export"). */
export function threadKeyOf(t: SourceThread, source: ThreadKeySource): string | null {
  const path = t.url ? urlPath(t.url) : null;
  const key =
    source === "url" ? (t.url ?? t.identifier) : source === "path" ? path : (t.identifier ?? path);
  return key && key.length <= 200 ? key : null;
}

export interface ImportProgress {
  bytes: number;
  threads: number;
  comments: number;
}

export interface ImportOptions {
  site: string;
  format: ImportFormat;
  key: ThreadKeySource;
  events?: DomainEvents;
  /** The embedded engine's PostgreSQL, to analyze what the import filled. */
  postgresUrl?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Told once the whole file is read and staged (the HTTP endpoint answers then). */
  onStaged?: () => void;
}

const OWNER = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`;
const STAGE_BATCH = 500;
/** Staged records per chunk: what one delete clears (see ImportRecordDoc.chunk). */
const STAGE_CHUNK = 10_000;
/** Staged records that name an author are resolved through at most this many authors kept. */
const AUTHOR_CACHE = 10_000;
const HEARTBEAT_MS = 5_000;

/** Makes the import's record, status running, before its body is read. */
export async function startImport(opts: ImportOptions): Promise<ImportDoc> {
  await getSite(opts.site);
  const now = new Date();
  const doc = await Import.create({
    _id: crypto.randomBytes(12).toString("hex"),
    site: opts.site,
    format: opts.format,
    key: opts.key,
    status: "running",
    startedAt: now,
    owner: OWNER,
    heartbeatAt: now,
  });
  return doc.toObject();
}

/** Deletes an import's staged records, a chunk per command. */
async function clearStaging(id: string, staged: number) {
  for (let n = 0; n * STAGE_CHUNK < staged; n++) {
    await ImportRecord.deleteMany({ chunk: `${id}:${n}` });
  }
}

/** Counts the bytes that pass, for progress. */
async function* counted(source: AsyncIterable<Buffer>, onBytes: (n: number) => void) {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}

/**
 * Runs an import started by startImport: streams the file into staging, then writes it thread by
 * thread, then clears the staging. Never throws: a failure is recorded on the import (status
 * failed) and nothing half-written is visible, since a thread's document is written last.
 */
export async function runImport(
  job: ImportDoc,
  source: AsyncIterable<Buffer>,
  opts: ImportOptions,
): Promise<ImportDoc> {
  const progress: ImportProgress = { bytes: 0, threads: 0, comments: 0 };
  const errors: ImportError[] = [];
  let errorCount = 0;
  let skipped = 0;
  const report = (message: string, line?: number) => {
    errorCount++;
    if (errors.length < KEPT_IMPORT_ERRORS) errors.push(line ? { message, line } : { message });
  };
  const save = (extra: Partial<ImportDoc> = {}) =>
    Import.updateOne(
      { _id: job._id },
      {
        $set: {
          threads: progress.threads,
          comments: progress.comments,
          skipped,
          problems: errors,
          errorCount,
          bytes: progress.bytes,
          heartbeatAt: new Date(),
          ...extra,
        },
      },
    );
  // Records staged so far, numbering them into chunks.
  let staged = 0;
  const beat = setInterval(() => void save().catch(() => undefined), HEARTBEAT_MS);
  beat.unref();
  try {
    const site = await getSite(opts.site);
    const threadsGroup = `${job._id}:threads`;
    // Comments per thread source id, to report those whose thread the file does not have.
    const commentsOf = new Map<string, number>();
    let batch: ImportRecordDoc[] = [];
    const flush = async () => {
      const docs = batch;
      batch = [];
      if (docs.length === 0) return;
      const refused = await insertEach(ImportRecord.collection, docs);
      for (const [i, err] of refused) {
        if (!isDuplicateKey(err)) throw err;
        const d = docs[i]!;
        const [, kind, ...id] = d._id.split(":");
        report(`duplicate ${kind} id ${id.join(":")}`, d.line ?? undefined);
        if (kind === "comment") {
          const g = String((d.data as { thread: string }).thread);
          commentsOf.set(g, (commentsOf.get(g) ?? 1) - 1);
        }
      }
    };
    const source$ = counted(source, (n) => {
      progress.bytes += n;
      opts.onProgress?.(progress);
    });
    for await (const r of PARSERS[opts.format](source$)) {
      if (r.kind === "error") {
        report(r.message, r.line);
        continue;
      }
      if (r.kind === "skipped") {
        skipped++;
        continue;
      }
      const { line, ...data } = r;
      batch.push({
        _id: `${job._id}:${r.kind}:${r.id}`,
        import: job._id,
        group:
          r.kind === "thread"
            ? threadsGroup
            : r.kind === "comment"
              ? `${job._id}:t:${r.thread}`
              : null,
        chunk: `${job._id}:${Math.floor(staged++ / STAGE_CHUNK)}`,
        data: data as Record<string, unknown>,
        line: line ?? null,
      });
      if (r.kind === "comment") commentsOf.set(r.thread, (commentsOf.get(r.thread) ?? 0) + 1);
      if (batch.length >= STAGE_BATCH) await flush();
    }
    await flush();
    opts.onStaged?.();

    const authors = new Map<string, SourceAuthor | null>();
    const authorOf = async (a: SourceComment["author"]): Promise<SourceAuthor> => {
      if (!("ref" in a)) return a;
      let found = authors.get(a.ref);
      if (found === undefined) {
        const rec = await ImportRecord.findById(`${job._id}:author:${a.ref}`).lean();
        found = rec ? ((rec.data as unknown as { author: SourceAuthor }).author ?? null) : null;
        if (authors.size >= AUTHOR_CACHE) authors.delete(authors.keys().next().value!);
        authors.set(a.ref, found);
      }
      return found ?? { name: "Anonymous", email: null, website: null, avatarUrl: null };
    };
    const dates = (c: Record<string, unknown>) => ({
      ...c,
      createdAt: new Date(c.createdAt as string | Date),
      editedAt: c.editedAt ? new Date(c.editedAt as string | Date) : null,
    });

    // Approvals of many threads written together: one upsert per author, not per thread.
    const approvals = new Map<string, number>();
    const writeApprovals = async () => {
      const ops = [...approvals];
      approvals.clear();
      await addApprovals(ops);
    };
    // An import's staged threads: a batch job, so matching all of them is what it asks for.
    for await (const rec of ImportRecord.find({ group: threadsGroup }).lean().cursor()) {
      const t = rec.data as unknown as SourceThread;
      const staged = await ImportRecord.find({ group: `${job._id}:t:${t.id}` }).lean();
      commentsOf.delete(t.id);
      if (staged.length === 0) continue;
      const key = threadKeyOf(t, opts.key);
      if (!key) {
        report(`thread ${t.id} has no ${opts.key} to key it by`, rec.line ?? undefined);
        continue;
      }
      const comments = [];
      for (const s of staged) {
        const c = dates(s.data) as unknown as SourceComment;
        comments.push({ ...c, author: await authorOf(c.author) });
      }
      const written = await writeThread(site, opts.format, {
        key,
        url: t.url,
        title: t.title,
        closed: t.closed,
        createdAt: t.createdAt ? new Date(t.createdAt) : null,
        comments,
      });
      const { thread, added } = written;
      for (const [k, n] of written.approvals) approvals.set(k, (approvals.get(k) ?? 0) + n);
      if (approvals.size >= 5000) await writeApprovals();
      progress.threads++;
      progress.comments += added;
      opts.onProgress?.(progress);
      // Pages and counts cached as "no comments" change now, here and on other instances.
      opts.events?.publish("thread.updated", { thread });
    }
    await writeApprovals();
    for (const [thread, n] of commentsOf) {
      if (n > 0) report(`${n} comment(s) name thread ${thread}, which the file does not have`);
    }
    await clearStaging(job._id, staged);
    if (opts.postgresUrl) await analyzeEngine(opts.postgresUrl, Thread.db.name);
    await save({ status: "done", finishedAt: new Date() });
  } catch (err) {
    report(`the import stopped: ${(err as Error).message}`);
    await save({ status: "failed", finishedAt: new Date() }).catch(() => undefined);
    await clearStaging(job._id, staged).catch(() => undefined);
  } finally {
    clearInterval(beat);
  }
  return (await Import.findById(job._id).lean())!;
}

/** How an import is shown: its record, with a run whose process stopped reported as failed. */
export function presentImport(doc: ImportDoc) {
  const stale =
    doc.status === "running" && Date.now() - doc.heartbeatAt.getTime() > 6 * HEARTBEAT_MS;
  return {
    id: doc._id,
    site: doc.site,
    format: doc.format,
    key: doc.key,
    status: stale ? "failed" : doc.status,
    threads: doc.threads,
    comments: doc.comments,
    skipped: doc.skipped,
    errors: stale
      ? [...doc.problems, { message: "the process running it stopped; import the file again" }]
      : doc.problems,
    errorCount: doc.errorCount + (stale ? 1 : 0),
    bytes: doc.bytes,
    startedAt: doc.startedAt.toISOString(),
    finishedAt: doc.finishedAt ? doc.finishedAt.toISOString() : null,
  };
}
