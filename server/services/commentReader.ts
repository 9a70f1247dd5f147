import { Types, type QueryFilter } from "mongoose";
import { z } from "zod";
import type { Config } from "../../config";
import {
  Comment,
  pageKey,
  REPLY_HEAD,
  SIBLING_BUCKET,
  siblingKey,
  type CommentDoc,
} from "../../models/Comment";
import { bucketSizeOf, lastRootBucket, Thread, type ThreadDoc } from "../../models/Thread";
import { BucketList } from "../../models/BucketList";
import { Vote } from "../../models/Vote";
import { decodeCursor, encodeCursor } from "../cursor";
import { forReads } from "../database";
import { NotFoundError, ValidationError } from "../errors";
import { presentComment, type ApiComment } from "../presenters/comment";
import { presentThread, type ApiThread } from "../presenters/thread";
import { canModerate, canSeeComment, isAuthor, type Viewer } from "../policies";
import { bucketKey } from "./bucketLists";
import { getSite } from "./sites";
import { rankedBuckets, scoreOfTopList, topList, topOwner } from "./topRanks";

export type SortOrder = "oldest" | "newest" | "top";

/** In memory, what visibleTo selects. */
function inListFor(viewer: Viewer, d: CommentDoc): boolean {
  return (
    d.visible ||
    (d.status === "pending" && !!viewer.user && d.author.user?.equals(viewer.user._id) === true)
  );
}

/** What an anonymous reader's page never shows: not sent by the engine, nor decoded here. */
const ANONYMOUS_SKIPS = (viewer: Viewer) =>
  viewer.user ? {} : { body: 0, ip: 0, reasons: 0, ancestors: 0, "author.email": 0, owner: 0 };

/**
 * One root bucket's trees, on the read pool. One exact key: the engine matches this bucket's
 * trees and nothing else (models/Comment.ts).
 */
function readRootBucket(
  thread: ThreadDoc,
  bucket: number,
  viewer: Viewer,
  visibility: QueryFilter<CommentDoc>,
): Promise<CommentDoc[]> {
  return forReads(Comment)
    .find({ page: pageKey(thread._id, bucket), ...visibility }, ANONYMOUS_SKIPS(viewer))
    .lean<CommentDoc[]>()
    .exec();
}

/** What a viewer may see in a list: public comments, and their own held ones. */
function visibleTo(viewer: Viewer): QueryFilter<CommentDoc> {
  if (!viewer.user) return { visible: true };
  return { $or: [{ visible: true }, { status: "pending", "author.user": viewer.user._id }] };
}

/** Presents for a viewer; a hidden comment kept only for its replies shows as a tombstone. */
function present(doc: CommentDoc, viewer: Viewer, myVotes: Map<string, number>): ApiComment {
  const placeholder =
    doc.status !== "approved" && !isAuthor(viewer, doc) && !canModerate(viewer, doc.site);
  const shown = placeholder ? { ...doc, status: "deleted" as const } : doc;
  return presentComment(shown, { viewer, myVotes });
}

/** The viewer's votes on these comments: one (user, thread) query per thread they belong to. */
async function votesOf(viewer: Viewer, docs: CommentDoc[]): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  const user = viewer.user;
  if (!user || docs.length === 0) return map;
  const wanted = new Set(docs.map((d) => d._id.toHexString()));
  const threads = [...new Map(docs.map((d) => [d.thread.toHexString(), d.thread])).values()];
  for (const thread of threads) {
    // Matches this reader's votes in this thread, not all of their votes.
    for (const v of await forReads(Vote).find({ user: user._id, thread }).lean()) {
      if (wanted.has(v.comment.toHexString())) map.set(v.comment.toHexString(), v.value);
    }
  }
  return map;
}

/** Nests a tree-ordered list under its parents; entries whose parent is absent stay at the top. */
function nest(
  docs: CommentDoc[],
  viewer: Viewer,
  myVotes: Map<string, number>,
  top?: ApiComment[],
) {
  const byId = new Map<string, ApiComment>();
  const roots: ApiComment[] = top ?? [];
  for (const doc of docs) {
    const node = present(doc, viewer, myVotes);
    byId.set(node.id, node);
    const parent = node.parentId ? byId.get(node.parentId) : undefined;
    if (parent) parent.replies.push(node);
    else roots.push(node);
  }
  return { roots, byId };
}

const rootCursorSchema = z.union([
  z.object({
    s: z.enum(["oldest", "newest"]),
    b: z.number().int().min(0),
    id: z
      .string()
      .regex(/^[0-9a-f]{24}$/)
      .nullable(),
  }),
  // Top: the last root's score, its root bucket and its id.
  z.object({
    s: z.literal("top"),
    sc: z.number().int(),
    b: z.number().int().min(0),
    id: z.string().regex(/^[0-9a-f]{24}$/),
  }),
]);
type RootCursor = z.infer<typeof rootCursorSchema>;

const repliesCursorSchema = z.object({ p: z.string().regex(/^[0-9a-f]{24}(\/[0-9a-f]{24})*$/) });

/** A root's replies already read with its bucket, in tree order. */
type KnownReplies = Map<string, CommentDoc[]>;

/**
 * One page of a thread's roots. Oldest and newest read whole buckets (roots with their replies,
 * one query each), so the cost of a page does not grow with the thread; top sorts roots by score
 * with a (score, id) keyset and reads replies per root.
 */
async function rootPage(
  thread: ThreadDoc,
  viewer: Viewer,
  sort: SortOrder,
  limit: number,
  cursor: RootCursor | null,
): Promise<{ docs: CommentDoc[]; next: RootCursor | null; known: KnownReplies }> {
  const docs: CommentDoc[] = [];
  const known: KnownReplies = new Map();
  if (!cursor && thread.pinnedCount > 0) {
    // One exact key: the thread's pinned roots alone, not the thread.
    const pinned = await forReads(Comment)
      .find({ pin: thread._id.toHexString(), visible: true })
      .sort({ _id: 1 })
      .limit(limit)
      .lean();
    docs.push(...pinned);
  }
  const want = limit - docs.length;
  const visible = visibleTo(viewer);

  if (sort === "top") {
    const { docs: ranked, next } = await topRoots(
      thread,
      viewer,
      want,
      cursor?.s === "top" ? cursor : null,
      known,
    );
    docs.push(...ranked);
    return { docs, known, next };
  }

  const ascending = sort === "oldest";
  const size = bucketSizeOf(thread);
  const lastBucket = lastRootBucket(thread);
  let bucket = cursor && cursor.s !== "top" ? cursor.b : ascending ? 0 : lastBucket;
  let afterId = cursor && cursor.s !== "top" && cursor.id ? cursor.id : null;
  const readBucket = (b: number) => readRootBucket(thread, b, viewer, visible);
  // A first page whose bucket holds too few roots (newest, when the last bucket is filling) reads
  // the next one too: at once, on the read pool, rather than one after the other.
  const ahead = new Map<number, Promise<CommentDoc[]>>();
  if (!afterId) {
    const rootsIn = (b: number) => (b === lastBucket ? thread.rootSeq - lastBucket * size : size);
    let counted = 0;
    for (let b = bucket; b >= 0 && b <= lastBucket && counted < want && ahead.size < 3;) {
      const read = readBucket(b);
      read.catch(() => undefined); // awaited below if the page gets that far; never left unhandled
      ahead.set(b, read);
      counted += rootsIn(b);
      b += ascending ? 1 : -1;
    }
  }
  const collected: CommentDoc[] = [];
  while (bucket >= 0 && bucket <= lastBucket && collected.length < want) {
    const trees = await (ahead.get(bucket) ?? readBucket(bucket));
    const roots = trees
      .filter((d) => d.depth === 0 && !d.pinned)
      .filter(
        (d) =>
          !afterId || (ascending ? d._id.toHexString() > afterId : d._id.toHexString() < afterId),
      )
      .sort(
        (a, b) => (ascending ? 1 : -1) * a._id.toHexString().localeCompare(b._id.toHexString()),
      );
    const replies = trees.filter((d) => d.depth > 0).sort((a, b) => a.path.localeCompare(b.path));
    // Big trees' replies are read by the walk; only small trees come complete with the bucket.
    for (const root of roots)
      if (root.replySeq <= REPLY_HEAD) known.set(root._id.toHexString(), []);
    for (const reply of replies) known.get(reply.rootId.toHexString())?.push(reply);
    collected.push(...roots);
    bucket += ascending ? 1 : -1;
    afterId = null;
  }
  const shown = collected.slice(0, want);
  docs.push(...shown);
  const last = shown[shown.length - 1];
  // Whether more follow, from the thread's root count rather than from one root more: a bucket
  // holds a first page's worth, so the first page reads one bucket, not two.
  const more = collected.length > want || (bucket >= 0 && bucket <= lastBucket);
  // A page that ended with its bucket's last root goes on at the next bucket's start, rather than
  // reading that bucket again to find nothing after it.
  const next =
    !more || !last
      ? null
      : collected.length === want
        ? { s: sort, b: bucket, id: null }
        : { s: sort, b: last.bucket, id: last._id.toHexString() };
  return { docs, known, next };
}

type TopCursor = Extract<RootCursor, { s: "top" }>;

/**
 * Roots by score, highest first, ties oldest first. Roots with a score other than 0 sit in their
 * thread's list for that score at their own root bucket; roots at 0, usually most of them, are
 * read from the root buckets. Every query reads one root bucket's worth: `{rank}` or `{page}`
 * (which also brings the small trees of those roots), never the thread.
 */
async function topRoots(
  thread: ThreadDoc,
  viewer: Viewer,
  want: number,
  cursor: TopCursor | null,
  known: KnownReplies,
): Promise<{ docs: CommentDoc[]; next: TopCursor | null }> {
  const readAtZero = (b: number) =>
    readRootBucket(thread, b, viewer, viewer.user ? {} : { visible: true });
  // Most roots sit at 0, and on a first page often every shown one does: its first bucket is read
  // beside the score lists rather than after them (wasted, one bucket, when higher scores fill it).
  const firstAtZero = !cursor || cursor.sc === 0 ? readAtZero(cursor?.b ?? 0) : null;
  firstAtZero?.catch(() => undefined);
  const lists = await forReads(BucketList)
    .find({ owner: topOwner(thread._id) })
    .lean();
  const byScore = new Map(lists.map((l) => [scoreOfTopList(l._id), l]));
  const scores = [...new Set([0, ...byScore.keys()])]
    .filter((sc) => !cursor || sc <= cursor.sc)
    .sort((a, b) => b - a);
  const lastBucket = lastRootBucket(thread);
  const found: { doc: CommentDoc; b: number }[] = [];
  // Whether anything is left unread when the page is full: more may follow (see rootPage).
  let unread = false;
  scan: for (const [si, score] of scores.entries()) {
    const resume = cursor && cursor.sc === score ? cursor : null;
    const buckets =
      score === 0
        ? Array.from({ length: lastBucket + 1 - (resume?.b ?? 0) }, (_, i) => i + (resume?.b ?? 0))
        : rankedBuckets(byScore.get(score), resume?.b ?? 0);
    for (const [bi, b] of buckets.entries()) {
      // At 0 the whole root bucket is read once: its roots, and the small trees they bring.
      const docs =
        score === 0
          ? await (firstAtZero && b === (resume?.b ?? 0) ? firstAtZero : readAtZero(b))
          : await forReads(Comment)
              .find({
                rank: bucketKey(topList(thread._id, score), b),
                ...(viewer.user ? {} : { visible: true }),
              })
              .lean();
      const roots = docs.filter((d) => d.depth === 0);
      if (score === 0) {
        for (const r of roots) {
          if ((r.replySeq ?? 0) <= REPLY_HEAD) known.set(r._id.toHexString(), []);
        }
        docs
          .filter((d) => d.depth > 0 && inListFor(viewer, d))
          .sort((x, y) => x.path.localeCompare(y.path))
          .forEach((d) => known.get(d.rootId.toHexString())?.push(d));
      }
      const after = resume && resume.b === b ? resume.id : null;
      roots
        .filter(
          (d) =>
            d.depth === 0 &&
            !d.pinned &&
            d.score === score &&
            inListFor(viewer, d) &&
            (!after || d._id.toHexString() > after),
        )
        .sort((x, y) => x._id.toHexString().localeCompare(y._id.toHexString()))
        .forEach((doc) => found.push({ doc, b }));
      if (found.length >= want) {
        unread = bi < buckets.length - 1 || si < scores.length - 1;
        break scan;
      }
    }
  }
  const page = found.slice(0, want);
  const last = page[page.length - 1];
  return {
    docs: page.map((f) => f.doc),
    next:
      (found.length > want || unread) && last
        ? { s: "top", sc: last.doc.score, b: last.b, id: last.doc._id.toHexString() }
        : null,
  };
}

/** One parent's children in one sibling bucket, as the viewer may see them, oldest first. */
async function siblings(parent: CommentDoc, k: number, viewer: Viewer): Promise<CommentDoc[]> {
  const docs = await forReads(Comment)
    .find({
      sib: siblingKey(parent._id, k),
      ...(viewer.user ? {} : { visible: true }),
    })
    .lean();
  return docs
    .filter((d) => inListFor(viewer, d))
    .sort((x, y) => x._id.toHexString().localeCompare(y._id.toHexString()));
}

const siblingBucketOf = (doc: CommentDoc) => Number(doc.sib?.slice(doc.sib.indexOf(":") + 1) ?? 0);

/**
 * A subtree's comments after `afterPath` in tree order (depth first, children oldest first), read
 * one sibling bucket at a time: each query matches at most SIBLING_BUCKET children of one parent,
 * whatever the size of the tree. A hidden child is skipped with its subtree (a hidden comment
 * that still has visible replies is visible, as a tombstone).
 */
async function walkSubtree(
  top: CommentDoc,
  viewer: Viewer,
  afterPath: string,
  limit: number,
): Promise<{ docs: CommentDoc[]; more: boolean }> {
  type Frame = { parent: CommentDoc; k: number; after: string | null; queue: CommentDoc[] | null };
  const stack: Frame[] = [];
  // Resuming after a comment: its own children come next, then its later siblings, then its
  // parent's later siblings, and so on up to `top`.
  const below = afterPath.startsWith(`${top.path}/`)
    ? afterPath.slice(top.path.length + 1).split("/")
    : [];
  let parent = top;
  for (const id of below) {
    const child = await forReads(Comment).findById(id).lean();
    if (!child || !child.parentId?.equals(parent._id)) break;
    stack.push({ parent, k: siblingBucketOf(child), after: id, queue: null });
    parent = child;
  }
  stack.push({ parent, k: 0, after: null, queue: null });

  // The next few children's first buckets are read ahead, in parallel on the read pool: the
  // walk needs them one after another, and each is a query of its own.
  const ahead = new Map<string, Promise<CommentDoc[]>>();
  const readAhead = (queue: CommentDoc[]) => {
    for (const child of queue.slice(0, 8)) {
      const id = child._id.toHexString();
      if ((child.childSeq ?? 0) === 0 || ahead.has(id)) continue;
      const read = siblings(child, 0, viewer);
      // A read ahead that is never used must not fail the process; a used one still throws.
      read.catch(() => undefined);
      ahead.set(id, read);
    }
  };
  const docs: CommentDoc[] = [];
  while (stack.length > 0 && docs.length <= limit) {
    const frame = stack[stack.length - 1]!;
    if (!frame.queue || frame.queue.length === 0) {
      if (frame.queue) {
        frame.k++;
        frame.after = null;
      }
      // Stored before children were numbered: no count, no buckets to read (the migration adds them).
      const children = frame.parent.childSeq ?? 0;
      if (children <= 0 || frame.k > Math.floor((children - 1) / SIBLING_BUCKET)) {
        stack.pop();
        continue;
      }
      const after = frame.after;
      const early = frame.k === 0 ? ahead.get(frame.parent._id.toHexString()) : undefined;
      frame.queue = (await (early ?? siblings(frame.parent, frame.k, viewer))).filter(
        (d) => !after || d._id.toHexString() > after,
      );
      continue;
    }
    if (docs.length + 8 <= limit) readAhead(frame.queue);
    const child = frame.queue.shift()!;
    docs.push(child);
    if ((child.childSeq ?? 0) > 0) stack.push({ parent: child, k: 0, after: null, queue: null });
  }
  return { docs: docs.slice(0, limit), more: docs.length > limit };
}

/**
 * Where several small trees on a page share a root bucket (the top sort's roots at 0, pinned
 * roots), one read of the bucket brings them all, rather than one read a tree.
 */
async function readSharedBuckets(roots: CommentDoc[], viewer: Viewer, known: KnownReplies) {
  const byPage = new Map<string, CommentDoc[]>();
  for (const r of roots) {
    const id = r._id.toHexString();
    if (known.has(id) || !r.page || (r.replySeq ?? 0) === 0 || (r.replySeq ?? 0) > REPLY_HEAD)
      continue;
    byPage.set(r.page, [...(byPage.get(r.page) ?? []), r]);
  }
  for (const [page, group] of byPage) {
    // One tree or two: reading them alone decodes less than the whole bucket would.
    if (group.length < 3) continue;
    const trees = (await forReads(Comment).find({ page }).lean())
      .filter((d) => d.depth > 0 && inListFor(viewer, d))
      .sort((a, b) => a.path.localeCompare(b.path));
    for (const r of group) known.set(r._id.toHexString(), []);
    for (const reply of trees) known.get(reply.rootId.toHexString())?.push(reply);
  }
}

/** A root's replies for its page: from its bucket while the tree is small, else by the walk. */
async function repliesOf(
  root: CommentDoc,
  viewer: Viewer,
  replyLimit: number,
  known: KnownReplies,
): Promise<{ docs: CommentDoc[]; remaining: number } | null> {
  const replySeq = root.replySeq ?? 0;
  if (replySeq === 0) return null;
  if (replySeq <= REPLY_HEAD) {
    const group =
      known.get(root._id.toHexString()) ??
      // A small tree lies in its root's bucket: this matches that bucket's rows of this tree.
      (await forReads(Comment).find({ page: root.page, rootId: root._id }).lean())
        .filter((d) => d.depth > 0 && inListFor(viewer, d))
        .sort((a, b) => a.path.localeCompare(b.path));
    const docs = group.slice(0, replyLimit);
    return { docs, remaining: group.length - docs.length };
  }
  const { docs, more } = await walkSubtree(root, viewer, root.path, replyLimit);
  const shownVisible = docs.filter((d) => d.visible).length;
  return { docs, remaining: more ? Math.max(1, root.descendants - shownVisible) : 0 };
}

export interface ThreadListing {
  thread: ApiThread;
  comments: ApiComment[];
  nextCursor: string | null;
  total: number;
}

/** The thread's roots, each with its replies in tree order up to replyLimit. */
export async function listThreadComments(
  config: Config,
  viewer: Viewer,
  siteSlug: string,
  key: string,
  opts: { sort: SortOrder; cursor?: string; limit: number; replyLimit: number },
): Promise<ThreadListing> {
  const site = await getSite(siteSlug);
  const thread = await forReads(Thread).findOne({ site: site._id, key }).lean();
  const apiThread = presentThread(site, key, thread, config);
  if (!thread) return { thread: apiThread, comments: [], nextCursor: null, total: 0 };

  const cursor = opts.cursor ? decodeCursor(opts.cursor, rootCursorSchema) : null;
  if (cursor && (cursor.s === "top") !== (opts.sort === "top")) {
    throw new ValidationError("The cursor belongs to another sort order.", { cursor: "invalid" });
  }
  const {
    docs: roots,
    next,
    known,
  } = await rootPage(thread, viewer, opts.sort, opts.limit, cursor);
  await readSharedBuckets(roots, viewer, known);
  const subtrees = await Promise.all(
    roots.map((r) => repliesOf(r, viewer, opts.replyLimit, known)),
  );
  const all = [...roots, ...subtrees.flatMap((s) => s?.docs ?? [])];
  const myVotes = await votesOf(viewer, all);
  const comments = roots.map((root, i) => {
    const sub = subtrees[i];
    const node = nest([root, ...(sub?.docs ?? [])], viewer, myVotes).roots[0]!;
    if (sub && sub.remaining > 0) {
      node.moreReplies = sub.remaining;
      node.repliesCursor = encodeCursor({ p: sub.docs[sub.docs.length - 1]!.path });
    }
    return node;
  });
  return {
    thread: apiThread,
    comments,
    nextCursor: next ? encodeCursor(next) : null,
    total: thread.commentCount,
  };
}

/** Loads a comment the viewer may see, or 404. */
export async function findVisibleComment(viewer: Viewer, id: string): Promise<CommentDoc> {
  if (!Types.ObjectId.isValid(id) || !/^[0-9a-f]{24}$/i.test(id))
    throw new NotFoundError("Comment");
  const doc = await forReads(Comment).findById(id).lean();
  if (!doc || !canSeeComment(viewer, doc)) throw new NotFoundError("Comment");
  return doc;
}

export async function getComment(viewer: Viewer, id: string): Promise<ApiComment> {
  const doc = await findVisibleComment(viewer, id);
  return present(doc, viewer, await votesOf(viewer, [doc]));
}

/** The rest of a comment's subtree in tree order, nested where parents are on the same page. */
export async function listReplies(
  viewer: Viewer,
  id: string,
  opts: { cursor?: string; limit: number },
): Promise<{ comments: ApiComment[]; nextCursor: string | null; site: string; threadKey: string }> {
  const doc = await findVisibleComment(viewer, id);
  const after = opts.cursor ? decodeCursor(opts.cursor, repliesCursorSchema).p : doc.path;
  const afterPath = after > doc.path ? after : doc.path;
  const { docs, more } = await walkSubtree(doc, viewer, afterPath, opts.limit);
  const myVotes = await votesOf(viewer, docs);
  const { roots } = nest(docs, viewer, myVotes);
  const last = docs[docs.length - 1];
  return {
    comments: roots,
    nextCursor: more && last ? encodeCursor({ p: last.path }) : null,
    site: doc.site,
    threadKey: doc.threadKey,
  };
}

/**
 * Approved-comment counts for a list of thread keys; unknown keys count 0. One lookup a key
 * (`{key, site}`: at most one thread), in parallel on the read pool: a `$in` over the keys would
 * match every thread of the site on the embedded engine. Through the driver, not a mongoose
 * query: measured over 100 keys, mongoose's per-query work doubled this process's CPU (20 ms more).
 */
export async function countComments(
  siteSlug: string,
  keys: string[],
): Promise<Record<string, number>> {
  const site = await getSite(siteSlug);
  const threads = forReads(Thread).collection;
  const found = await Promise.all(
    keys.map((key) =>
      threads.findOne<{ commentCount?: number }>(
        { key: String(key), site: site._id },
        { projection: { _id: 0, commentCount: 1 } },
      ),
    ),
  );
  const counts: Record<string, number> = Object.create(null) as Record<string, number>;
  keys.forEach((k, i) => (counts[k] = found[i]?.commentCount ?? 0));
  return counts;
}
