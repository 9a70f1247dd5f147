import type { Types } from "mongoose";
import { AuthorRecord } from "../../models/AuthorRecord";
import { Comment, type CommentDoc, type CommentStatus } from "../../models/Comment";
import { Thread, type ThreadDoc } from "../../models/Thread";
import { ConflictError, NotFoundError } from "../errors";
import { WriteBatch } from "../writeBatches";
import { leftQueues, queuePlace, showsFlags } from "./moderationQueue";

/** Public when approved, or as a placeholder while it still has visible replies. */
export function isVisible(status: CommentStatus, replyCount: number): boolean {
  return status === "approved" || replyCount > 0;
}

/** The key of an author's approved-comment record on a site. */
export function authorRecordKey(site: string, author: CommentDoc["author"]): string | null {
  if (author.user) return `${site}|user:${author.user.toHexString()}`;
  if (author.email) return `${site}|email:${author.email.toLowerCase()}`;
  return null;
}

/**
 * Adds to authors' approval records, a few upserts per command: FerretDB 1.24 never answers an
 * update command of 50 or more statements that match stored documents (measured: 40 took 0.3 s,
 * 50 hung), so no command carries more than UPDATES_PER_COMMAND.
 */
export async function addApprovals(ops: [key: string, delta: number][]): Promise<void> {
  for (let i = 0; i < ops.length; i += UPDATES_PER_COMMAND) {
    await AuthorRecord.bulkWrite(
      ops.slice(i, i + UPDATES_PER_COMMAND).map(([key, d]) => ({
        updateOne: { filter: { _id: key }, update: { $inc: { approvedCount: d } }, upsert: true },
      })),
      { ordered: false },
    );
  }
}
const UPDATES_PER_COMMAND = 16;

// Approvals counted together: one upsert per author for a whole batch, whatever its size, and
// under load at most one batch per 50 ms, since posting does not wait for them.
const approvals = new WriteBatch<{ key: string; delta: number }, void>(
  async (items) => {
    const sums = new Map<string, number>();
    for (const { key, delta } of items) sums.set(key, (sums.get(key) ?? 0) + delta);
    await addApprovals([...sums].filter(([, d]) => d !== 0));
    return items.map(() => undefined);
  },
  256,
  50,
);

/** Resolves once the approval counts posting deferred are written (the service's shutdown). */
export function deferredWritesDone(): Promise<void> {
  return approvals.idle();
}

/** Counts a comment's approval (or its loss) on its author's record, for the first-comment rule. */
export async function countApproval(
  comment: Pick<CommentDoc, "site" | "author">,
  delta: 1 | -1,
): Promise<void> {
  const key = authorRecordKey(comment.site, comment.author);
  if (!key) return;
  await approvals.add({ key, delta });
}

/**
 * Recomputes a comment's `visible` flag after its status or reply count changed, and carries a
 * change on to its parent's reply count, up the tree. Each step is a conditional single-document
 * update, so concurrent changes are retried rather than double counted.
 */
export async function refreshVisibility(id: Types.ObjectId): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await Comment.findById(id).lean();
    if (!doc) return;
    const visible = isVisible(doc.status, doc.replyCount);
    if (visible === doc.visible) return;
    const res = await Comment.updateOne(
      { _id: id, status: doc.status, replyCount: doc.replyCount, visible: doc.visible },
      { $set: { visible } },
    );
    if (res.modifiedCount === 0) continue;
    if (doc.parentId) {
      await Comment.updateOne({ _id: doc.parentId }, { $inc: { replyCount: visible ? 1 : -1 } });
      await Comment.updateOne({ _id: doc.rootId }, { $inc: { descendants: visible ? 1 : -1 } });
      await refreshVisibility(doc.parentId);
    }
    return;
  }
}

/**
 * Moves a comment to another status, keeping the thread's approved count, the parent's reply
 * count and the author's approval record right. The status is compare-and-set, so two
 * moderators acting at once count once.
 */
export async function changeStatus(
  id: Types.ObjectId,
  to: CommentStatus,
  extra: Partial<Pick<CommentDoc, "body" | "html" | "reasons" | "pinned" | "flagCount">> = {},
): Promise<{ comment: CommentDoc; thread: ThreadDoc; previousStatus: CommentStatus }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await Comment.findById(id).lean();
    if (!before) throw new NotFoundError("Comment");
    // The new place is numbered before the move; a move that loses the race leaves only an
    // unused number behind, which costs a read of an empty bucket, never a missed member.
    const queue =
      before.status === to && before.queue
        ? { queue: before.queue, queueSeq: before.queueSeq }
        : await queuePlace(before.site, to);
    const flagCount = extra.flagCount ?? before.flagCount;
    const flags = flagCount > 0 && showsFlags(to) ? {} : { flagQueue: null, flagSeq: null };
    const updated = await Comment.findOneAndUpdate(
      { _id: id, status: before.status },
      {
        $set: {
          status: to,
          ...extra,
          ...(extra.pinned === false ? { pin: null } : {}),
          ...queue,
          ...flags,
        },
      },
      { returnDocument: "after" },
    ).lean();
    if (!updated) continue;
    await leftQueues(before, updated);
    const delta = Number(to === "approved") - Number(before.status === "approved");
    if (delta !== 0) {
      await Thread.updateOne({ _id: before.thread }, { $inc: { commentCount: delta } });
      await countApproval(before, delta as 1 | -1);
    }
    await refreshVisibility(id);
    const [comment, thread] = await Promise.all([
      Comment.findById(id).lean(),
      Thread.findById(before.thread).lean(),
    ]);
    if (!comment || !thread) throw new NotFoundError("Comment");
    return { comment, thread, previousStatus: before.status };
  }
  throw new ConflictError("The comment changed while this request ran; try again.");
}
