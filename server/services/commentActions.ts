import { isDuplicateKey } from "../database";
import { Comment } from "../../models/Comment";
import { Flag, type FlagReason } from "../../models/Flag";
import { Thread } from "../../models/Thread";
import { Vote } from "../../models/Vote";
import type { DomainEvents } from "../events";
import {
  BannedError,
  ConflictError,
  ForbiddenError,
  ThreadClosedError,
  UnauthenticatedError,
} from "../errors";
import { canDelete, canEdit, canModerate, isAuthor, type Viewer } from "../policies";
import { isBanned } from "./bans";
import { changeStatus } from "./commentStatus";
import { flaggedPlace, showsFlags } from "./moderationQueue";
import { rerank } from "./topRanks";
import { reviewBody } from "./commentReview";
import { findVisibleComment } from "./commentReader";
import { getSite, isThreadOpen } from "./sites";

function requireUser(viewer: Viewer): NonNullable<Viewer["user"]> {
  if (!viewer.user) throw new UnauthenticatedError();
  return viewer.user;
}

/**
 * Edits a comment's body: its author within the edit window, or a moderator. The new text goes
 * through the rules again, so an edit can send an approved comment back to the queue.
 */
export async function editComment(events: DomainEvents, viewer: Viewer, id: string, body: string) {
  const user = requireUser(viewer);
  const doc = await findVisibleComment(viewer, id);
  const site = await getSite(doc.site);
  if (!canEdit(viewer, doc, site.settings.editWindowSeconds)) {
    throw new ForbiddenError(
      isAuthor(viewer, doc)
        ? "The time to edit this comment has passed."
        : "You can only edit your own comments.",
    );
  }
  const moderator = canModerate(viewer, site._id);
  if (!moderator) {
    if (await isBanned(site._id, { user: user._id, ip: viewer.ip })) throw new BannedError();
    const thread = await Thread.findById(doc.thread).lean();
    if (thread && !isThreadOpen(thread, site)) throw new ThreadClosedError();
  }
  const { html, verdict } = await reviewBody(site, doc.author, body, {
    moderator,
    // The comment being edited already counts as approved if it is; do not hold it for that.
    approvedHere: doc.status === "approved",
  });
  const updated = await Comment.findOneAndUpdate(
    { _id: doc._id, status: { $ne: "deleted" } },
    { $set: { body, html, editedAt: new Date() } },
    { returnDocument: "after" },
  ).lean();
  if (!updated) throw new ConflictError("The comment was deleted.");
  // Only a stricter verdict changes the status: an edit never approves a held comment by itself.
  const stricter =
    (verdict.status === "rejected" && updated.status !== "rejected") ||
    (verdict.status === "pending" && updated.status === "approved");
  if (stricter) {
    const changed = await changeStatus(doc._id, verdict.status, { reasons: verdict.reasons });
    events.publish("comment.updated", changed);
    return changed.comment;
  }
  const thread = await Thread.findById(updated.thread).lean();
  if (thread)
    events.publish("comment.updated", { comment: updated, thread, previousStatus: updated.status });
  return updated;
}

/** Deletes a comment: its author or a moderator. It stays as a tombstone while it has replies. */
export async function deleteComment(
  events: DomainEvents,
  viewer: Viewer,
  id: string,
): Promise<void> {
  const user = requireUser(viewer);
  const doc = await findVisibleComment(viewer, id);
  if (!canDelete(viewer, doc)) throw new ForbiddenError("You can only delete your own comments.");
  if (doc.status === "deleted") return;
  const changed = await changeStatus(doc._id, "deleted", { body: "", html: "", pinned: false });
  if (doc.pinned) await Thread.updateOne({ _id: doc.thread }, { $inc: { pinnedCount: -1 } });
  events.publish("comment.deleted", { ...changed, by: user._id.toHexString() });
}

/** Sets the viewer's vote; repeating a vote changes nothing. */
export async function voteOnComment(
  events: DomainEvents,
  viewer: Viewer,
  id: string,
  value: -1 | 0 | 1,
): Promise<{ score: number; myVote: number }> {
  const user = requireUser(viewer);
  const doc = await findVisibleComment(viewer, id);
  if (doc.status !== "approved")
    throw new ConflictError("Only published comments can be voted on.");
  if (isAuthor(viewer, doc)) throw new ForbiddenError("You cannot vote on your own comment.");
  const key = `${doc._id.toHexString()}:${user._id.toHexString()}`;
  // The previous value comes back from the same atomic upsert, so concurrent votes add up right.
  const previous = await Vote.findOneAndUpdate(
    { _id: key },
    { $set: { value, comment: doc._id, user: user._id, thread: doc.thread } },
    { upsert: true, returnDocument: "before" },
  ).lean();
  const delta = value - (previous?.value ?? 0);
  if (delta === 0) return { score: doc.score, myVote: value };
  const updated = await Comment.findOneAndUpdate(
    { _id: doc._id },
    { $inc: { score: delta } },
    { returnDocument: "after" },
  ).lean();
  if (!updated) throw new ConflictError("The comment was removed.");
  if (updated.depth === 0) await rerank(updated);
  events.publish("comment.voted", { comment: updated });
  return { score: updated.score, myVote: value };
}

/**
 * Flags a comment once per user. At the site's flagThreshold an approved comment goes back to the
 * queue for a moderator to look at.
 */
export async function flagComment(
  events: DomainEvents,
  viewer: Viewer,
  id: string,
  reason: FlagReason,
  note: string | undefined,
): Promise<{ flagged: true; flagCount: number }> {
  const user = requireUser(viewer);
  const doc = await findVisibleComment(viewer, id);
  if (doc.status === "deleted") throw new ConflictError("The comment was deleted.");
  try {
    await Flag.create({
      _id: `${doc._id.toHexString()}:${user._id.toHexString()}`,
      comment: doc._id,
      site: doc.site,
      user: user._id,
      reason,
      note: note ?? null,
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new ConflictError("You have already flagged this comment.");
    throw err;
  }
  const updated = await Comment.findOneAndUpdate(
    { _id: doc._id },
    { $inc: { flagCount: 1 } },
    { returnDocument: "after" },
  ).lean();
  const flagCount = updated?.flagCount ?? doc.flagCount + 1;
  // The first flag puts it in the site's flagged list (once: the condition makes it so).
  if (updated && !updated.flagQueue && showsFlags(updated.status)) {
    await Comment.updateOne(
      { _id: doc._id, flagQueue: null },
      { $set: await flaggedPlace(doc.site) },
    );
  }
  const site = await getSite(doc.site);
  if (updated && updated.status === "approved" && flagCount >= site.settings.flagThreshold) {
    const changed = await changeStatus(doc._id, "pending", {
      reasons: [...updated.reasons, `flags:${flagCount}`],
    });
    events.publish("comment.updated", changed);
  }
  return { flagged: true, flagCount };
}
