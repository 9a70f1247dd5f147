import type { Types } from "mongoose";
import { presentUser } from "../../auth/presentUser";
import { AuthorRecord } from "../../models/AuthorRecord";
import { Comment, ownerKey, type CommentDoc } from "../../models/Comment";
import { Flag } from "../../models/Flag";
import { Session } from "../../models/Session";
import { Thread, type ThreadDoc } from "../../models/Thread";
import { Identity, User, type UserDoc } from "../../models/User";
import { Vote } from "../../models/Vote";
import type { DomainEvents } from "../events";
import { changeStatus } from "./commentStatus";

export const FORGET_MODES = ["anonymize", "delete"] as const;
export type ForgetMode = (typeof FORGET_MODES)[number];

/** What a comment's author becomes once they are forgotten. */
const FORGOTTEN_AUTHOR = {
  "author.user": null,
  "author.name": "[deleted]",
  "author.email": null,
  "author.website": null,
  "author.avatarUrl": null,
  "author.profileUrl": null,
  "author.role": "commenter",
  owner: null,
  ip: null,
};

/**
 * Takes a comment's author away (and with `delete`, its words too, as deleting it does), then
 * announces the change so cached pages and live readers see it at once.
 */
async function forgetComment(events: DomainEvents, c: CommentDoc, mode: ForgetMode) {
  const anonymized = await Comment.findOneAndUpdate(
    { _id: c._id },
    { $set: FORGOTTEN_AUTHOR },
    { returnDocument: "after" },
  ).lean();
  if (!anonymized) return;
  if (mode === "delete" && anonymized.status !== "deleted") {
    const changed = await changeStatus(c._id, "deleted", { body: "", html: "", pinned: false });
    events.publish("comment.deleted", changed);
    return;
  }
  const thread = await Thread.findById(c.thread).lean();
  if (thread) {
    events.publish("comment.updated", {
      comment: anonymized,
      thread,
      previousStatus: anonymized.status,
    });
  }
}

/** Everything held about a signed-in user (shared/API.md "Personal data"). */
export async function exportUserData(user: UserDoc) {
  // The user's own documents: each query matches only what belongs to them.
  const [profile, identities, comments, votes, flags] = await Promise.all([
    presentUser(user),
    Identity.find({ user: user._id }).lean(),
    Comment.find({ owner: ownerKey("", { user: user._id, email: null }) }).lean(),
    Vote.find({ user: user._id }).lean(),
    Flag.find({ user: user._id }).lean(),
  ]);
  const threads = new Map<string, ThreadDoc | null>();
  const threadOf = async (id: Types.ObjectId) => {
    const k = id.toHexString();
    if (!threads.has(k)) threads.set(k, await Thread.findById(id).lean());
    return threads.get(k) ?? null;
  };
  const out = [];
  for (const c of comments.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    const t = await threadOf(c.thread);
    out.push({
      id: c._id.toHexString(),
      site: c.site,
      threadKey: c.threadKey,
      threadUrl: t?.url ?? null,
      threadTitle: t?.title ?? null,
      parentId: c.parentId ? c.parentId.toHexString() : null,
      status: c.status,
      body: c.body,
      html: c.html,
      createdAt: c.createdAt.toISOString(),
      editedAt: c.editedAt ? c.editedAt.toISOString() : null,
      score: c.score,
    });
  }
  return {
    user: {
      ...profile,
      createdAt: user.createdAt.toISOString(),
      identities: identities.map((i) => ({
        provider: i.provider,
        username: i.username,
        providerId: i.providerId,
        linkedAt: i.createdAt.toISOString(),
      })),
    },
    comments: out,
    votes: votes.map((v) => ({
      comment: v.comment.toHexString(),
      value: v.value,
      updatedAt: v.updatedAt.toISOString(),
    })),
    flags: flags.map((f) => ({
      comment: f.comment.toHexString(),
      site: f.site,
      reason: f.reason,
      note: f.note,
      createdAt: f.createdAt.toISOString(),
    })),
    // Email notifications are not built yet (issue 12): nobody has a subscription to list.
    subscriptions: [] as never[],
  };
}

/**
 * Deletes an account: its sessions first (announced, so its sockets drop at once), then its
 * comments' authorship (or the comments, as tombstones where replied to), votes, flags, approval
 * records, identities and the user. Scores and flag counts stay on the comments: they are the
 * community's, not the voter's. Returns how many comments were touched.
 */
export async function deleteAccount(
  events: DomainEvents,
  user: UserDoc,
  mode: ForgetMode,
): Promise<number> {
  const sessions = await Session.find({ user: user._id }, { _id: 1 }).lean();
  await Session.deleteMany({ user: user._id });
  for (const s of sessions) {
    events.publish("session.revoked", { sessionId: s._id, userId: user._id.toHexString() });
  }
  const comments = await Comment.find({
    owner: ownerKey("", { user: user._id, email: null }),
  }).lean();
  for (const c of comments) await forgetComment(events, c, mode);
  await Vote.deleteMany({ user: user._id });
  await Flag.deleteMany({ user: user._id });
  for (const site of new Set(comments.map((c) => c.site))) {
    await AuthorRecord.deleteOne({ _id: `${site}|user:${user._id.toHexString()}` });
  }
  await Identity.deleteMany({ user: user._id });
  await User.deleteOne({ _id: user._id });
  return comments.length;
}

/** Erases a guest's personal data on one site, by their email; returns the comments touched. */
export async function eraseGuest(
  events: DomainEvents,
  site: string,
  email: string,
  mode: ForgetMode,
): Promise<number> {
  const address = email.trim().toLowerCase();
  // That email's comments on the site, by one top-level key.
  const comments = await Comment.find({
    owner: ownerKey(site, { user: null, email: address }),
  }).lean();
  for (const c of comments) await forgetComment(events, c, mode);
  await AuthorRecord.deleteOne({ _id: `${site}|email:${address}` });
  return comments.length;
}
