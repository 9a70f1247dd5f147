import crypto from "node:crypto";
import { Types } from "mongoose";
import { BucketList } from "../../models/BucketList";
import {
  Comment,
  pageKey,
  REPLY_HEAD,
  ROOT_BUCKET_SIZE,
  SIBLING_BUCKET,
  siblingKey,
  ownerKey,
  type CommentAuthor,
  type CommentDoc,
} from "../../models/Comment";
import type { SiteDoc } from "../../models/Site";
import { Thread, type ThreadDoc } from "../../models/Thread";
import { forReads, insertEach, isDuplicateKey } from "../database";
import { bucketKey, bucketOf, LIST_BUCKET } from "../services/bucketLists";
import { authorRecordKey, isVisible, refreshVisibility } from "../services/commentStatus";
import {
  gravatarUrl,
  leaveBucketIfBig,
  numberReply,
  placeReply,
  storedPage,
} from "../services/commentCreator";
import { renderMarkdown } from "../services/markdown";
import { isQueued, queueList, queuePlace } from "../services/moderationQueue";
import { topList, topOwner } from "../services/topRanks";
import type { SourceAuthor, SourceComment } from "./records";

/** A thread of the file, ready to write: its key decided, its authors resolved. */
export interface ThreadToWrite {
  key: string;
  url: string | null;
  title: string | null;
  closed: boolean;
  createdAt: Date | null;
  comments: (SourceComment & { author: SourceAuthor })[];
}

export interface WriteResult {
  thread: ThreadDoc;
  /** Comments stored by this run (not those an earlier run of the same file stored). */
  added: number;
  /**
   * Approved comments stored, by author record: the caller adds them up over many threads and
   * writes them together (one upsert per author, not per thread).
   */
  approvals: Map<string, number>;
}

/**
 * An id that is the same each time the same record of the same source is imported into the same
 * site, so a second import finds what the first stored. Its first four bytes are the comment's
 * time, as an ObjectId's are, so ids still sort by time.
 */
export function importedId(time: Date, ...parts: string[]): Types.ObjectId {
  const buf = Buffer.alloc(12);
  buf.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.floor(time.getTime() / 1000))), 0);
  crypto.createHash("sha256").update(parts.join("\u0000")).digest().copy(buf, 4, 0, 8);
  return new Types.ObjectId(buf);
}

function authorOf(a: SourceAuthor): CommentAuthor {
  return {
    user: null,
    name: a.name,
    email: a.email,
    website: a.website,
    avatarUrl: a.avatarUrl ?? (a.email ? gravatarUrl(a.email) : null),
    profileUrl: null,
    provider: "guest",
    role: "commenter",
  };
}

interface Node {
  src: SourceComment & { author: SourceAuthor };
  _id: Types.ObjectId;
  parent: Node | null;
  children: Node[];
}

/** Parents resolved (a missing parent, or a loop of parents, makes a root), children by time. */
function buildTree(site: string, format: string, t: ThreadToWrite): Node[] {
  const byId = new Map<string, Node>();
  for (const src of t.comments) {
    byId.set(src.id, {
      src,
      _id: importedId(src.createdAt, site, format, src.id),
      parent: null,
      children: [],
    });
  }
  for (const node of byId.values()) {
    const parent = node.src.parent ? byId.get(node.src.parent) : undefined;
    if (!parent || parent === node) continue;
    // A parent chain that comes back to this node would never reach a root.
    let up: Node | null = parent;
    while (up && up !== node) up = up.parent;
    if (up === node) continue;
    node.parent = parent;
  }
  const byTime = (a: Node, b: Node) =>
    a.src.createdAt.getTime() - b.src.createdAt.getTime() || (a.src.id < b.src.id ? -1 : 1);
  const roots: Node[] = [];
  for (const node of [...byId.values()].sort(byTime)) {
    if (node.parent) node.parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** Numbers `n` new members of a list at once (one upsert) and returns the first number. */
async function enterListMany(list: string, owner: string, n: number): Promise<number> {
  const doc = await BucketList.findOneAndUpdate(
    { _id: list },
    { $inc: { next: n }, $setOnInsert: { owner, left: {} } },
    { upsert: true, returnDocument: "after" },
  ).lean();
  return doc!.next - n;
}

/** Inserts documents, passing over those an earlier run stored; returns the ids inserted. */
async function insertNew(docs: CommentDoc[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let i = 0; i < docs.length; i += 500) {
    const chunk = docs.slice(i, i + 500);
    const refused = await insertEach(Comment.collection, chunk);
    for (const err of refused.values()) if (!isDuplicateKey(err)) throw err;
    chunk.forEach((d, j) => !refused.has(j) && inserted.add(d._id.toHexString()));
  }
  return inserted;
}

/** Counts an approved comment stored by this run on its author's record key. */
function countApproval(approvals: Map<string, number>, site: string, d: CommentDoc) {
  if (d.status !== "approved") return;
  const key = authorRecordKey(site, d.author);
  if (key) approvals.set(key, (approvals.get(key) ?? 0) + 1);
}

function baseDoc(
  site: SiteDoc,
  key: string,
  thread: Types.ObjectId,
  node: Node,
): Omit<
  CommentDoc,
  | "parentId"
  | "ancestors"
  | "rootId"
  | "depth"
  | "path"
  | "bucket"
  | "page"
  | "sib"
  | "visible"
  | "queue"
  | "queueSeq"
> {
  const s = node.src;
  const deleted = s.status === "deleted";
  const author = authorOf(s.author);
  return {
    _id: node._id,
    site: site._id,
    threadKey: key,
    thread,
    childSeq: 0,
    replySeq: 0,
    descendants: 0,
    author,
    owner: ownerKey(site._id, author),
    ip: null,
    // A deleted comment keeps its place, not its words, as deleting one here does.
    body: deleted ? "" : s.body,
    html: deleted ? "" : renderMarkdown(s.body),
    status: s.status,
    reasons: [],
    score: s.score,
    replyCount: 0,
    flagCount: 0,
    rank: null,
    rankSeq: null,
    flagQueue: null,
    flagSeq: null,
    pinned: false,
    pin: null,
    createdAt: s.createdAt,
    editedAt: s.editedAt,
    updatedAt: s.editedAt ?? s.createdAt,
  };
}

/**
 * Writes a thread the site does not have yet, laid out as posting lays it out (root buckets in
 * time order, reply trees, sibling buckets, counts, the moderation lists and the top sort's lists),
 * with bulk inserts, and the thread document last: readers find a thread's comments through it, so
 * the thread appears whole or not at all. Ids are derived from the file, so after a crash the same
 * file writes the same documents and inserting them again passes over those already stored.
 */
async function writeNewThread(
  site: SiteDoc,
  format: string,
  t: ThreadToWrite,
  roots: Node[],
): Promise<WriteResult> {
  const firstTime = t.createdAt ?? roots[0]?.src.createdAt ?? new Date(0);
  const threadId = importedId(firstTime, site._id, "thread", t.key);
  const maxDepth = site.settings.maxDepth;
  const docs: CommentDoc[] = [];
  // With maxDepth 1 there are no replies: every comment is a root, in time order.
  const rootNodes =
    maxDepth <= 1
      ? roots
          .flatMap(function all(n: Node): Node[] {
            return [n, ...n.children.flatMap(all)];
          })
          .sort((a, b) => a.src.createdAt.getTime() - b.src.createdAt.getTime())
      : roots;
  let pinnedCount = 0;
  rootNodes.forEach((root, i) => {
    const bucket = Math.floor(i / ROOT_BUCKET_SIZE);
    const page = pageKey(threadId, bucket);
    const hex = root._id.toHexString();
    const rootDoc: CommentDoc = {
      ...baseDoc(site, t.key, threadId, root),
      parentId: null,
      ancestors: [],
      rootId: root._id,
      depth: 0,
      path: hex,
      bucket,
      page,
      sib: null,
      visible: false,
      queue: null,
      queueSeq: null,
    };
    if (root.src.pinned && root.src.status === "approved") {
      rootDoc.pinned = true;
      rootDoc.pin = threadId.toHexString();
      pinnedCount++;
    }
    // The tree, placed as posting places replies: beyond maxDepth under the deepest ancestor.
    const tree: { doc: CommentDoc; parentDoc: CommentDoc }[] = [];
    const placedDocs = new Map<string, CommentDoc>([[hex, rootDoc]]);
    const place = (node: Node, parentDoc: CommentDoc) => {
      const depth = Math.min(parentDoc.depth + 1, maxDepth - 1);
      const chain = [...parentDoc.ancestors, parentDoc._id];
      const ancestors = chain.slice(0, depth);
      const under =
        depth === parentDoc.depth + 1
          ? parentDoc
          : (placedDocs.get(ancestors[depth - 1]!.toHexString()) ?? rootDoc);
      const doc: CommentDoc = {
        ...baseDoc(site, t.key, threadId, node),
        parentId: under._id,
        ancestors,
        rootId: root._id,
        depth,
        path: `${under.path}/${node._id.toHexString()}`,
        bucket,
        page: null,
        sib: null,
        visible: false,
        queue: null,
        queueSeq: null,
      };
      tree.push({ doc, parentDoc: under });
      placedDocs.set(node._id.toHexString(), doc);
      for (const c of node.children) place(c, doc);
    };
    if (maxDepth > 1) for (const c of root.children) place(c, rootDoc);
    // Children numbered under their parent in time order, for the sibling buckets.
    tree.sort((a, b) => a.doc.createdAt.getTime() - b.doc.createdAt.getTime());
    for (const { doc, parentDoc } of tree) {
      doc.sib = siblingKey(parentDoc._id, Math.floor(parentDoc.childSeq / SIBLING_BUCKET));
      parentDoc.childSeq++;
    }
    rootDoc.replySeq = tree.length;
    const replyPage = tree.length > REPLY_HEAD ? null : page;
    // Visibility from the leaves up: a deleted comment stays as a tombstone while replied to.
    for (const { doc, parentDoc } of [...tree].sort((a, b) => b.doc.depth - a.doc.depth)) {
      doc.page = replyPage;
      doc.visible = isVisible(doc.status, doc.replyCount);
      if (doc.visible) {
        parentDoc.replyCount++;
        rootDoc.descendants++;
      }
    }
    rootDoc.visible = isVisible(rootDoc.status, rootDoc.replyCount);
    docs.push(rootDoc, ...tree.map((x) => x.doc));
  });
  const approved = docs.filter((d) => d.status === "approved").length;

  // Held, spam and rejected comments enter the site's moderation lists, numbered in time order.
  const queued = docs
    .filter((d) => isQueued(d.status))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  for (const status of ["pending", "spam", "rejected"] as const) {
    const members = queued.filter((d) => d.status === status);
    if (members.length === 0) continue;
    const list = queueList(site._id, status);
    const first = await enterListMany(list, site._id, members.length);
    members.forEach((d, j) => {
      d.queueSeq = first + j;
      d.queue = bucketKey(list, Math.floor((first + j) / LIST_BUCKET));
    });
  }
  // Roots with a score go into the top sort's list for that score, at their root bucket.
  for (const d of docs) {
    if (d.depth === 0 && d.score !== 0) d.rank = bucketKey(topList(threadId, d.score), d.bucket);
  }

  const inserted = await insertNew(docs);
  const rankCounts = new Map<string, Map<number, number>>();
  for (const d of docs) {
    if (!d.rank || !inserted.has(d._id.toHexString())) continue;
    const list = d.rank.slice(0, d.rank.lastIndexOf("#"));
    const counts = rankCounts.get(list) ?? new Map<number, number>();
    counts.set(bucketOf(d.rank), (counts.get(bucketOf(d.rank)) ?? 0) + 1);
    rankCounts.set(list, counts);
  }
  for (const [list, counts] of rankCounts) {
    await BucketList.updateOne(
      { _id: list },
      {
        $inc: Object.fromEntries([...counts].map(([b, n]) => [`counts.${b}`, n])),
        $setOnInsert: { owner: topOwner(threadId), next: 0, left: {} },
      },
      { upsert: true },
    );
  }
  const approvals = new Map<string, number>();
  for (const d of docs)
    if (inserted.has(d._id.toHexString())) countApproval(approvals, site._id, d);

  const thread = await Thread.create({
    _id: threadId,
    site: site._id,
    key: t.key,
    url: t.url,
    title: t.title,
    open: !t.closed,
    commentCount: approved,
    rootSeq: rootNodes.length,
    bucketSize: ROOT_BUCKET_SIZE,
    pinnedCount,
    seq: 0,
    createdAt: firstTime,
  });
  return { thread: thread.toObject(), added: inserted.size, approvals };
}

/**
 * Adds a file's comments to a thread the site already has, one at a time as posting adds them
 * (numbered after what is there), passing over those an earlier import stored. Slower than a new
 * thread's bulk write, and meant for what is new in a later export of the same source.
 */
async function appendToThread(
  site: SiteDoc,
  existing: ThreadDoc,
  roots: Node[],
): Promise<WriteResult> {
  let added = 0;
  let thread = existing;
  const approvals = new Map<string, number>();
  const walk = async (node: Node, parentId: Types.ObjectId | null): Promise<void> => {
    const found = await forReads(Comment).findById(node._id).lean();
    if (!found) {
      await appendOne(node, parentId);
      added++;
    }
    for (const c of node.children) await walk(c, node._id);
  };
  const appendOne = async (node: Node, parentId: Types.ObjectId | null) => {
    const approved = node.src.status === "approved";
    const parent = parentId ? await Comment.findById(parentId).lean() : null;
    const placed = parent ? placeReply(parent, site.settings.maxDepth) : null;
    const counted = (await Thread.findOneAndUpdate(
      { _id: thread._id },
      { $inc: { rootSeq: placed ? 0 : 1, commentCount: approved ? 1 : 0 } },
      { returnDocument: "after" },
    ).lean())!;
    thread = counted;
    const bucket = placed
      ? parent!.bucket
      : Math.floor((counted.rootSeq - 1) / (counted.bucketSize ?? ROOT_BUCKET_SIZE));
    const numbered = placed ? await numberReply(placed, approved) : null;
    const page = pageKey(thread._id, bucket);
    const hex = node._id.toHexString();
    const doc = await Comment.create({
      ...baseDoc(site, thread.key, thread._id, node),
      parentId: placed?.parentId ?? null,
      ancestors: placed?.ancestors ?? [],
      rootId: placed?.rootId ?? node._id,
      depth: placed?.depth ?? 0,
      path: placed ? `${placed.parentPath}/${hex}` : hex,
      bucket,
      page: storedPage(numbered, page),
      sib: numbered?.sib ?? null,
      visible: approved,
      ...(await queuePlace(site._id, node.src.status)),
    });
    countApproval(approvals, site._id, doc.toObject());
    await leaveBucketIfBig(placed, numbered, page);
    // A reply under a deleted comment makes it a tombstone that shows.
    if (placed && approved) await refreshVisibility(placed.parentId);
  };
  for (const root of roots) await walk(root, null);
  return { thread, added, approvals };
}

/** Writes one thread of an import: whole when the site does not have it, else what is new. */
export async function writeThread(
  site: SiteDoc,
  format: string,
  t: ThreadToWrite,
): Promise<WriteResult> {
  const roots = buildTree(site._id, format, t);
  const existing = await Thread.findOne({ key: t.key, site: site._id }).lean();
  if (existing) return appendToThread(site, existing, roots);
  try {
    return await writeNewThread(site, format, t, roots);
  } catch (err) {
    // Its first comment was posted while the file was read: add to that thread instead.
    if (!isDuplicateKey(err)) throw err;
    const now = await Thread.findOne({ key: t.key, site: site._id }).lean();
    if (!now) throw err;
    // What was inserted for a thread id that will not exist: taken back, then added one by one.
    await Comment.deleteMany({
      thread: importedId(
        t.createdAt ?? roots[0]?.src.createdAt ?? new Date(0),
        site._id,
        "thread",
        t.key,
      ),
    });
    return appendToThread(site, now, roots);
  }
}
