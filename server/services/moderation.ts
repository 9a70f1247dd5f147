import { Types } from "mongoose";
import { z } from "zod";
import { Ban, type BanDoc } from "../../models/Ban";
import { Comment, type CommentDoc, type CommentStatus } from "../../models/Comment";
import { Flag } from "../../models/Flag";
import { ModerationLog, type ModerationLogDoc } from "../../models/ModerationLog";
import { Site, type SiteDoc, type SiteSettings } from "../../models/Site";
import { Thread, type ThreadDoc } from "../../models/Thread";
import type { UserDoc } from "../../models/User";
import { decodeCursor, encodeCursor } from "../cursor";
import type { DomainEvents } from "../events";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
} from "../errors";
import { presentComment, type ApiComment } from "../presenters/comment";
import { canAdminister, canModerate, type Viewer } from "../policies";
import { normalizeIp } from "../validation";
import { BucketList } from "../../models/BucketList";
import { bucketOf, enterList, liveBuckets, readList } from "./bucketLists";
import { changeStatus } from "./commentStatus";
import { flaggedList, logList, queueList, showsFlags, type QueuedStatus } from "./moderationQueue";
import { forgetSite, getSite, isThreadOpen } from "./sites";

/** The signed-in moderator (or admin) of the site, or 401/403. */
export function requireModerator(viewer: Viewer, site: string): UserDoc {
  if (!viewer.user) throw new UnauthenticatedError();
  if (!canModerate(viewer, site))
    throw new ForbiddenError("Only this site's moderators can do this.");
  return viewer.user;
}

export function requireAdmin(viewer: Viewer, site: string): UserDoc {
  if (!viewer.user) throw new UnauthenticatedError();
  if (!canAdminister(viewer, site))
    throw new ForbiddenError("Only this site's admins can do this.");
  return viewer.user;
}

async function log(
  actor: UserDoc,
  entry: Pick<ModerationLogDoc, "site" | "action" | "targetType" | "targetId"> &
    Partial<Pick<ModerationLogDoc, "reason" | "before" | "after">>,
): Promise<void> {
  const place = await enterList(logList(entry.site), entry.site);
  await ModerationLog.create({
    ...entry,
    actor: actor._id,
    actorName: actor.name,
    bucket: place.key,
    seq: place.seq,
  });
}

const queueCursor = z.object({ b: z.number().int().min(0), q: z.number().int().min(0) });

export type QueueName = "pending" | "flagged" | "spam" | "rejected";

export interface QueueItem {
  comment: ApiComment;
  /** Moderators see what they need to ban: a guest's email and the poster's IP. */
  guestEmail: string | null;
  ip: string | null;
  reasons: string[];
  flagCount: number;
  thread: { key: string; url: string | null; title: string | null };
  flags: { reason: string; note: string | null; userId: string; createdAt: string }[];
}

/** Held, flagged, spam or rejected comments, newest first. */
export async function listQueue(
  viewer: Viewer,
  site: string,
  opts: { status: QueueName; cursor?: string; limit: number },
): Promise<{ items: QueueItem[]; nextCursor: string | null }> {
  requireModerator(viewer, site);
  await getSite(site);
  const flagged = opts.status === "flagged";
  const listId = flagged ? flaggedList(site) : queueList(site, opts.status as QueuedStatus);
  const cursor = opts.cursor ? decodeCursor(opts.cursor, queueCursor) : null;
  const list = await BucketList.findById(listId).lean();
  // One bucket of the site's list per query, newest first: never the site's whole queue.
  const { members, more } = await readList(
    liveBuckets(list, "newest", cursor?.b),
    "newest",
    opts.limit,
    async (key) =>
      (await Comment.find(flagged ? { flagQueue: key } : { queue: key }).lean()).map((doc) => ({
        doc,
        seq: (flagged ? doc.flagSeq : doc.queueSeq) ?? -1,
      })),
    ({ doc, seq }) =>
      (flagged ? doc.flagCount > 0 && showsFlags(doc.status) : doc.status === opts.status) &&
      (!cursor || seq < cursor.q),
  );
  const page = members.map((m) => m.doc);
  const threads = new Map<string, ThreadDoc>();
  await Promise.all(
    [...new Set(page.map((d) => d.thread.toHexString()))].map(async (id) => {
      const t = await Thread.findById(id).lean();
      if (t) threads.set(id, t);
    }),
  );
  const items = await Promise.all(
    page.map(async (doc): Promise<QueueItem> => {
      const t = threads.get(doc.thread.toHexString());
      const flags =
        doc.flagCount > 0
          ? await Flag.find({ comment: doc._id }).sort({ createdAt: 1 }).limit(50).lean()
          : [];
      return {
        comment: presentComment(doc, { viewer }),
        guestEmail: doc.author.email,
        ip: doc.ip,
        reasons: doc.reasons,
        flagCount: doc.flagCount,
        thread: { key: doc.threadKey, url: t?.url ?? null, title: t?.title ?? null },
        flags: flags.map((f) => ({
          reason: f.reason,
          note: f.note,
          userId: f.user.toHexString(),
          createdAt: f.createdAt.toISOString(),
        })),
      };
    }),
  );
  const last = members[members.length - 1];
  return {
    items,
    nextCursor:
      more && last
        ? encodeCursor({
            b: bucketOf((flagged ? last.doc.flagQueue : last.doc.queue) ?? ""),
            q: last.seq,
          })
        : null,
  };
}

export type ModerationAction = "approve" | "reject" | "spam" | "delete" | "pin" | "unpin";

const STATUS_FOR: Partial<Record<ModerationAction, CommentStatus>> = {
  approve: "approved",
  reject: "rejected",
  spam: "spam",
  delete: "deleted",
};

/** Applies a moderator's action to a comment, logs it and announces it. */
export async function moderateComment(
  events: DomainEvents,
  viewer: Viewer,
  id: string,
  action: ModerationAction,
  reason: string | undefined,
): Promise<CommentDoc> {
  if (!Types.ObjectId.isValid(id) || !/^[0-9a-f]{24}$/i.test(id))
    throw new NotFoundError("Comment");
  const existing = await Comment.findById(id).lean();
  if (!existing) throw new NotFoundError("Comment");
  const actor = requireModerator(viewer, existing.site);
  if (existing.status === "deleted" && action !== "delete") {
    throw new ConflictError("The comment was deleted; it can no longer be moderated.");
  }
  let result: { comment: CommentDoc; thread: ThreadDoc; previousStatus: CommentStatus };
  const to = STATUS_FOR[action];
  if (to) {
    const extra =
      to === "approved"
        ? { flagCount: 0 }
        : to === "deleted"
          ? { body: "", html: "", pinned: false }
          : { pinned: false };
    result = await changeStatus(existing._id, to, extra);
  } else {
    if (existing.status !== "approved")
      throw new ConflictError("Only published comments can be pinned.");
    const comment = await Comment.findOneAndUpdate(
      { _id: existing._id },
      {
        $set: {
          pinned: action === "pin",
          pin: action === "pin" ? existing.thread.toHexString() : null,
        },
      },
      { returnDocument: "after" },
    ).lean();
    const thread = await Thread.findById(existing.thread).lean();
    if (!comment || !thread) throw new NotFoundError("Comment");
    result = { comment, thread, previousStatus: existing.status };
  }
  if (existing.pinned !== result.comment.pinned) {
    await Thread.updateOne(
      { _id: existing.thread },
      { $inc: { pinnedCount: result.comment.pinned ? 1 : -1 } },
    );
  }
  if (action === "approve") await Flag.deleteMany({ comment: existing._id });
  await log(actor, {
    site: existing.site,
    action,
    targetType: "comment",
    targetId: id,
    reason: reason ?? null,
    before: { status: existing.status, pinned: existing.pinned },
    after: { status: result.comment.status, pinned: result.comment.pinned },
  });
  events.publish("comment.moderated", { ...result, action, by: actor._id.toHexString() });
  return result.comment;
}

export interface ApiBan {
  id: string;
  site: string;
  userId: string | null;
  email: string | null;
  ip: string | null;
  until: string | null;
  reason: string;
  createdAt: string;
  createdBy: string;
  active: boolean;
}

export function presentBan(b: BanDoc, now = Date.now()): ApiBan {
  return {
    id: b._id.toHexString(),
    site: b.site,
    userId: b.user?.toHexString() ?? null,
    email: b.email,
    ip: b.ip,
    until: b.until?.toISOString() ?? null,
    reason: b.reason,
    createdAt: b.createdAt.toISOString(),
    createdBy: b.createdBy.toHexString(),
    active: !b.liftedAt && (!b.until || b.until.getTime() > now),
  };
}

/** Bans a user, an email or an IP from posting on the site, for good or until a time. */
export async function createBan(
  events: DomainEvents,
  viewer: Viewer,
  site: string,
  input: { userId?: string; email?: string; ip?: string; until?: Date; reason: string },
): Promise<ApiBan> {
  const actor = requireModerator(viewer, site);
  await getSite(site);
  if (!input.userId && !input.email && !input.ip) {
    throw new ValidationError("Name a user, an email or an IP to ban.", {
      userId: "one of userId, email, ip is required",
    });
  }
  if (input.until && input.until.getTime() <= Date.now()) {
    throw new ValidationError("A ban must end in the future.", { until: "must be in the future" });
  }
  const ban = await Ban.create({
    site,
    user: input.userId ? new Types.ObjectId(input.userId) : null,
    email: input.email?.toLowerCase() ?? null,
    ip: normalizeIp(input.ip),
    until: input.until ?? null,
    reason: input.reason,
    createdBy: actor._id,
  });
  const out = presentBan(ban.toObject());
  events.publish("bans.changed", { site });
  await log(actor, {
    site,
    action: "ban",
    targetType: "ban",
    targetId: out.id,
    reason: input.reason,
    after: { ...out },
  });
  if (input.userId) events.publish("user.banned", { site, userId: input.userId });
  return out;
}

export async function listBans(viewer: Viewer, site: string): Promise<{ bans: ApiBan[] }> {
  requireModerator(viewer, site);
  const bans = await Ban.find({ site, liftedAt: null }).sort({ _id: -1 }).limit(500).lean();
  return { bans: bans.map((b) => presentBan(b)) };
}

export async function liftBan(
  events: DomainEvents,
  viewer: Viewer,
  site: string,
  id: string,
): Promise<void> {
  const actor = requireModerator(viewer, site);
  if (!/^[0-9a-f]{24}$/i.test(id)) throw new NotFoundError("Ban");
  const ban = await Ban.findOneAndUpdate(
    { _id: new Types.ObjectId(id), site, liftedAt: null },
    { $set: { liftedAt: new Date(), liftedBy: actor._id } },
    { returnDocument: "after" },
  ).lean();
  if (!ban) throw new NotFoundError("Ban");
  events.publish("bans.changed", { site });
  await log(actor, {
    site,
    action: "unban",
    targetType: "ban",
    targetId: id,
    before: { ...presentBan(ban) },
  });
}

/** One entry of the audit log, as GET …/moderation/log answers it. */
export interface LogEntry {
  id: string;
  at: string;
  by: { id: string; name: string };
  action: string;
  target: { type: string; id: string };
  reason: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** The audit log, newest first. */
export async function listLog(
  viewer: Viewer,
  site: string,
  opts: { cursor?: string; limit: number },
) {
  requireModerator(viewer, site);
  const cursor = opts.cursor ? decodeCursor(opts.cursor, queueCursor) : null;
  const list = await BucketList.findById(logList(site)).lean();
  const { members, more } = await readList(
    liveBuckets(list, "newest", cursor?.b),
    "newest",
    opts.limit,
    async (key) =>
      (await ModerationLog.find({ bucket: key }).lean()).map((e) => ({ e, seq: e.seq })),
    ({ seq }) => !cursor || seq < cursor.q,
  );
  const page = members.map((m) => m.e);
  const last = members[members.length - 1];
  return {
    entries: page.map((e): LogEntry => ({
      id: e._id.toHexString(),
      at: e.createdAt.toISOString(),
      by: { id: e.actor.toHexString(), name: e.actorName },
      action: e.action,
      target: { type: e.targetType, id: e.targetId },
      reason: e.reason,
      before: e.before,
      after: e.after,
    })),
    nextCursor: more && last ? encodeCursor({ b: bucketOf(last.e.bucket), q: last.seq }) : null,
  };
}

/** A site's settings as admins read them; the SSO secret is never among them. */
export function presentSettings(site: SiteDoc) {
  return {
    site: site._id,
    name: site.name,
    origins: site.origins,
    ...site.settings,
    sso: { enabled: !!site.sso },
  };
}

/** Changes a site's settings (admins), logging what they were and what they became. */
export async function updateSettings(
  events: DomainEvents,
  viewer: Viewer,
  slug: string,
  patch: Partial<SiteSettings> & {
    origins?: string[];
    name?: string;
    sso?: { secret: string } | null;
  },
) {
  const actor = requireAdmin(viewer, slug);
  const before = await getSite(slug);
  const $set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    $set[k === "origins" || k === "name" || k === "sso" ? k : `settings.${k}`] = v;
  }
  const after = await Site.findOneAndUpdate(
    { _id: slug },
    { $set },
    { returnDocument: "after", runValidators: true },
  ).lean();
  if (!after) throw new NotFoundError("Site");
  forgetSite(slug);
  await log(actor, {
    site: slug,
    action: "settings",
    targetType: "settings",
    targetId: slug,
    before: presentSettings(before),
    after: presentSettings(after),
  });
  events.publish("site.updated", { site: slug });
  return presentSettings(after);
}

/** Closes or reopens a thread (moderators). */
export async function setThreadOpen(
  events: DomainEvents,
  viewer: Viewer,
  slug: string,
  key: string,
  open: boolean,
) {
  const actor = requireModerator(viewer, slug);
  const site = await getSite(slug);
  const before = await Thread.findOne({ site: slug, key }).lean();
  if (!before) throw new NotFoundError("Thread");
  const thread = await Thread.findOneAndUpdate(
    { _id: before._id },
    { $set: { open } },
    { returnDocument: "after" },
  ).lean();
  if (!thread) throw new NotFoundError("Thread");
  await log(actor, {
    site: slug,
    action: open ? "open_thread" : "close_thread",
    targetType: "thread",
    targetId: key,
    before: { open: isThreadOpen(before, site) },
    after: { open: isThreadOpen(thread, site) },
  });
  events.publish("thread.updated", { thread });
  return { site, thread };
}
