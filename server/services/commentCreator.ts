import { forInserts, forReads, insertEach, isDuplicateKey } from "../database";
import { WriteBatch } from "../writeBatches";
import crypto from "node:crypto";
import { Types } from "mongoose";
import {
  Comment,
  ROOT_BUCKET_SIZE,
  pageKey,
  REPLY_HEAD,
  SIBLING_BUCKET,
  siblingKey,
  ownerKey,
  type CommentAuthor,
  type CommentDoc,
} from "../../models/Comment";
import type { SiteDoc } from "../../models/Site";
import { bucketSizeOf, Thread, type ThreadDoc } from "../../models/Thread";
import type { DomainEvents } from "../events";
import {
  BannedError,
  ConflictError,
  LoginRequiredError,
  NotFoundError,
  ThreadClosedError,
  ValidationError,
} from "../errors";
import { authorRole, canModerate, canSeeComment, type Viewer } from "../policies";
import { isBanned } from "./bans";
import { countApproval } from "./commentStatus";
import { queuePlace } from "./moderationQueue";
import { reviewBody } from "./commentReview";
import { getSite, isKnownClosed, isThreadOpen, rememberClosedThread } from "./sites";

export interface NewComment {
  body: string;
  parentId?: string;
  url?: string;
  title?: string;
  guest?: { name: string; email: string; website?: string };
}

/** An optional extra check (the Akismet-style spam service); failures must not block posting. */
export type SpamCheck = (input: {
  site: SiteDoc;
  body: string;
  author: CommentAuthor;
  ip: string | null;
  url: string | null;
}) => Promise<"ham" | "spam" | "unknown">;

export interface CommentCreatorDeps {
  events: DomainEvents;
  spamCheck?: SpamCheck;
  /** Where work left to finish after the answer reports a failure (the logger). */
  onBackgroundError?: (err: unknown) => void;
}

export function gravatarUrl(email: string): string {
  const hash = crypto.createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
  return `https://www.gravatar.com/avatar/${hash}?d=identicon&s=80`;
}

function authorFor(viewer: Viewer, site: SiteDoc, guest: NewComment["guest"]): CommentAuthor {
  const s = site.settings;
  if (viewer.user) {
    return {
      user: viewer.user._id,
      name: viewer.user.name,
      email: null,
      website: null,
      avatarUrl: viewer.user.avatarUrl,
      profileUrl: viewer.user.profileUrl,
      provider: viewer.user.provider,
      role: authorRole(viewer.user, site._id),
    };
  }
  if (s.requireLogin || !s.allowGuests) throw new LoginRequiredError();
  if (!guest) {
    throw new ValidationError("Give a name and an email to comment as a guest, or sign in.", {
      guest: "required",
    });
  }
  return {
    user: null,
    name: guest.name,
    email: guest.email.toLowerCase(),
    website: guest.website ?? null,
    avatarUrl: gravatarUrl(guest.email),
    profileUrl: null,
    provider: "guest",
    role: "commenter",
  };
}

interface ThreadCount {
  site: SiteDoc;
  key: string;
  input: NewComment;
  root: boolean;
  approved: boolean;
}

/** One write finding or creating the thread and adding to its counters. */
async function incrementThread(
  site: SiteDoc,
  key: string,
  input: NewComment,
  inc: { rootSeq: number; commentCount: number },
) {
  const filter = { key, site: site._id };
  const update = {
    $setOnInsert: {
      site: site._id,
      key,
      url: input.url ?? null,
      title: input.title ?? null,
      bucketSize: ROOT_BUCKET_SIZE,
    },
    $inc: inc,
  };
  try {
    return (await Thread.findOneAndUpdate(filter, update, {
      upsert: true,
      returnDocument: "after",
    }).lean())!;
  } catch (err) {
    // Two first comments at once: the loser of the unique index counts on the winner's thread.
    if (!isDuplicateKey(err)) throw err;
    const thread = await Thread.findOneAndUpdate(
      filter,
      { $inc: inc },
      { returnDocument: "after" },
    ).lean();
    if (!thread) throw err;
    return thread;
  }
}

/**
 * Finds or creates each post's thread and counts the post on it in the same write: a root takes
 * the next root number, an approved comment adds to the count. Posts to one thread that arrive
 * together share that write, and take consecutive root numbers from it.
 */
const threadCounts = new WriteBatch<ThreadCount, { thread: ThreadDoc; rootSeq: number }>(
  async (items) => {
    const groups = new Map<string, number[]>();
    items.forEach((it, i) => {
      const id = `${it.site._id}\u0000${it.key}`;
      groups.set(id, [...(groups.get(id) ?? []), i]);
    });
    const out: ({ thread: ThreadDoc; rootSeq: number } | Error)[] = items.map(
      () => new Error("not counted"),
    );
    for (const indexes of groups.values()) {
      const first = items[indexes[0]!]!;
      const roots = indexes.filter((i) => items[i]!.root);
      const approved = indexes.filter((i) => items[i]!.approved).length;
      try {
        const thread = await incrementThread(first.site, first.key, first.input, {
          rootSeq: roots.length,
          commentCount: approved,
        });
        for (const i of indexes) {
          const nth = roots.indexOf(i);
          out[i] = {
            thread,
            rootSeq: nth === -1 ? thread.rootSeq : thread.rootSeq - roots.length + 1 + nth,
          };
        }
      } catch (err) {
        for (const i of indexes) out[i] = err instanceof Error ? err : new Error(String(err));
      }
    }
    return out;
  },
);

// Comments stored together: one insert for every post of a batch; a failure fails its post only.
const commentInserts = new WriteBatch<Record<string, unknown>, void>(async (docs) => {
  const refused = await insertEach(forInserts(Comment).collection, docs);
  return docs.map((_, i) => refused.get(i) ?? undefined);
});

/**
 * Numbers a reply among its parent's children (its sibling bucket) and among its root's replies
 * (whether it still fits the root's bucket), counting it on both when approved: one write when
 * the parent is the root, two otherwise.
 */
export async function numberReply(
  placed: NonNullable<ReturnType<typeof placeReply>>,
  approved: boolean,
): Promise<{ sib: string; replySeq: number; undo: () => Promise<unknown> }> {
  const seen = approved ? 1 : 0;
  const parentIsRoot = placed.parentId.equals(placed.rootId);
  const parent = await Comment.findOneAndUpdate(
    { _id: placed.parentId },
    {
      $inc: {
        childSeq: 1,
        replyCount: seen,
        ...(parentIsRoot ? { replySeq: 1, descendants: seen } : {}),
      },
    },
    { returnDocument: "after" },
  ).lean();
  if (!parent) throw new NotFoundError("Parent comment");
  let replySeq = parent.replySeq;
  if (!parentIsRoot) {
    const root = await Comment.findOneAndUpdate(
      { _id: placed.rootId },
      { $inc: { replySeq: 1, descendants: seen } },
      { returnDocument: "after" },
    ).lean();
    replySeq = root?.replySeq ?? REPLY_HEAD + 1;
  }
  const undo = async () => {
    if (!approved) return;
    await Comment.updateOne({ _id: placed.parentId }, { $inc: { replyCount: -1 } });
    await Comment.updateOne({ _id: placed.rootId }, { $inc: { descendants: -1 } });
  };
  const k = Math.floor((parent.childSeq - 1) / SIBLING_BUCKET);
  return { sib: siblingKey(placed.parentId, k), replySeq, undo };
}

/**
 * The page key a new comment stores: a root's first REPLY_HEAD replies come with its bucket;
 * later ones are read by the tree walk.
 */
export function storedPage(numbered: { replySeq: number } | null, page: string): string | null {
  return !numbered || numbered.replySeq <= REPLY_HEAD ? page : null;
}

/**
 * After a reply is stored: when it made its tree big, the tree's replies leave the bucket (a
 * bounded update, one bucket's rows).
 */
export async function leaveBucketIfBig(
  placed: { rootId: Types.ObjectId } | null,
  numbered: { replySeq: number } | null,
  page: string,
): Promise<void> {
  if (!placed || numbered?.replySeq !== REPLY_HEAD + 1) return;
  await Comment.updateMany(
    { page, rootId: placed.rootId, depth: { $gt: 0 } },
    { $set: { page: null } },
  );
}

/** Where a reply goes: under its parent, or under the deepest ancestor maxDepth allows. */
export function placeReply(parent: CommentDoc, maxDepth: number) {
  const chain = [...parent.ancestors, parent._id];
  const depth = Math.min(parent.depth + 1, maxDepth - 1);
  if (depth === 0) return null;
  const ancestors = chain.slice(0, depth);
  const parentPath = parent.path.split("/").slice(0, depth).join("/");
  return { parentId: ancestors[depth - 1]!, ancestors, depth, parentPath, rootId: chain[0]! };
}

/**
 * Posts a comment: checks who may post, runs the moderation rules, creates the thread on its first
 * comment, places the reply in the tree and keeps the counts. Returns the stored comment.
 */
export async function createComment(
  deps: CommentCreatorDeps,
  viewer: Viewer,
  siteSlug: string,
  threadKey: string,
  input: NewComment,
): Promise<{ comment: CommentDoc; thread: ThreadDoc }> {
  const site = await getSite(siteSlug);
  const author = authorFor(viewer, site, input.guest);
  if (input.parentId && !Types.ObjectId.isValid(input.parentId)) {
    throw new NotFoundError("Parent comment");
  }
  // What posting checks first, read at once on the read pool.
  const [banned, parent] = await Promise.all([
    isBanned(site._id, { user: author.user, email: author.email, ip: viewer.ip }),
    input.parentId ? forReads(Comment).findById(input.parentId).lean() : null,
  ]);
  if (banned) throw new BannedError();
  // The thread's state comes back with the write that counts the post (see below).
  if (isKnownClosed(site._id, threadKey)) throw new ThreadClosedError();

  if (input.parentId) {
    if (
      !parent ||
      parent.site !== site._id ||
      parent.threadKey !== threadKey ||
      !canSeeComment(viewer, parent)
    ) {
      throw new NotFoundError("Parent comment");
    }
    if (parent.status !== "approved") {
      throw new ConflictError("That comment can no longer be replied to.");
    }
  }

  const { html, verdict } = await reviewBody(site, author, input.body, {
    moderator: canModerate(viewer, site._id),
  });
  let { status } = verdict;
  const reasons: string[] = [...verdict.reasons];
  if (status === "approved" && deps.spamCheck && !canModerate(viewer, site._id)) {
    const spam = await deps.spamCheck({
      site,
      body: input.body,
      author,
      ip: viewer.ip,
      url: input.url ?? null,
    });
    if (spam === "spam") {
      status = "pending";
      reasons.push("spam_check");
    } else if (spam === "unknown") {
      status = "pending";
      reasons.push("spam_check_unavailable");
    }
  }
  const finalStatus = verdict.status === "rejected" ? "rejected" : status;

  const _id = new Types.ObjectId();
  const hex = _id.toHexString();
  const placed = parent ? placeReply(parent, site.settings.maxDepth) : null;
  const approved = finalStatus === "approved";
  const { thread, rootSeq } = await threadCounts.add({
    site,
    key: threadKey,
    input,
    root: !placed,
    approved,
  });
  const uncount = () =>
    Thread.updateOne({ _id: thread._id }, { $inc: { commentCount: approved ? -1 : 0 } }).catch(
      () => undefined,
    );
  // A closed thread (or one closed since the last post) answers so here: take the count back.
  if (!isThreadOpen(thread, site)) {
    rememberClosedThread(site._id, threadKey);
    await uncount();
    throw new ThreadClosedError();
  }
  const bucket = placed ? parent!.bucket : Math.floor((rootSeq - 1) / bucketSizeOf(thread));
  const numbered = placed ? await numberReply(placed, approved) : null;
  const page = pageKey(thread._id, bucket);
  // Built and validated as a mongoose document (defaults, casts), stored with the batch's insert.
  const now = new Date();
  const doc = new Comment({
    _id,
    createdAt: now,
    updatedAt: now,
    site: site._id,
    threadKey,
    thread: thread._id,
    parentId: placed?.parentId ?? null,
    ancestors: placed?.ancestors ?? [],
    rootId: placed?.rootId ?? _id,
    depth: placed?.depth ?? 0,
    path: placed ? `${placed.parentPath}/${hex}` : hex,
    bucket,
    page: storedPage(numbered, page),
    sib: numbered?.sib ?? null,
    author,
    owner: ownerKey(site._id, author),
    ip: viewer.ip,
    body: input.body,
    html,
    status: finalStatus,
    visible: approved,
    reasons,
    ...(await queuePlace(site._id, finalStatus)),
  });
  const stored = doc.toObject({ depopulate: true, versionKey: false }) as CommentDoc;
  try {
    await doc.validate();
    await commentInserts.add(stored as unknown as Record<string, unknown>);
  } catch (err) {
    await uncount();
    await numbered?.undo();
    throw err;
  }
  await leaveBucketIfBig(placed, numbered, page);
  // Not awaited: the count only decides whether this author's next comment waits for approval,
  // and one lost in a crash makes that wait happen once (the safe side); a failure is logged.
  if (approved)
    void countApproval(stored, 1).catch((err: unknown) => deps.onBackgroundError?.(err));
  deps.events.publish("comment.created", { comment: stored, thread });
  return { comment: stored, thread };
}
