import {
  Comment,
  ownerKey,
  pageKey,
  REPLY_HEAD,
  SIBLING_BUCKET,
  siblingKey,
} from "../models/Comment";
import { Ban, banTargets } from "../models/Ban";
import { ModerationLog } from "../models/ModerationLog";
import { SchemaVersion } from "../models/SchemaVersion";
import { Site } from "../models/Site";
import { enterList } from "./services/bucketLists";
import {
  flaggedPlace,
  logList,
  QUEUED_STATUSES,
  queuePlace,
  showsFlags,
} from "./services/moderationQueue";
import { lastRootBucket, Thread } from "../models/Thread";
import { eventBucket, ThreadEvent } from "../models/ThreadEvent";
import { Vote } from "../models/Vote";
import { rerank } from "./services/topRanks";

/** Data layouts in order; each step brings data written by the version before up to date. */
const steps: { version: number; run: () => Promise<void> }[] = [
  {
    // 2: comments carry their root bucket's one-field key (`page`).
    version: 2,
    async run() {
      for await (const thread of Thread.find({}, { _id: 1, rootSeq: 1, bucketSize: 1 })
        .lean()
        .cursor()) {
        const last = lastRootBucket(thread);
        for (let bucket = 0; bucket <= last; bucket++) {
          // Bounded by one bucket's trees, as the reads are.
          await Comment.updateMany(
            { thread: thread._id, bucket },
            { $set: { page: pageKey(thread._id, bucket) } },
          );
        }
      }
    },
  },
  {
    // 3: held, spam, rejected and flagged comments and the moderation log sit in bucket lists.
    version: 3,
    async run() {
      for await (const site of Site.find({}, { _id: 1 }).lean().cursor()) {
        for (const status of QUEUED_STATUSES) {
          const held = Comment.find({ site: site._id, status, queue: null }).sort({ _id: 1 });
          for await (const c of held.lean().cursor()) {
            await Comment.updateOne(
              { _id: c._id, queue: null },
              { $set: await queuePlace(site._id, status) },
            );
          }
        }
        const flagged = Comment.find({
          site: site._id,
          flagQueue: null,
          flagCount: { $gt: 0 },
        }).sort({ _id: 1 });
        for await (const c of flagged.lean().cursor()) {
          if (!showsFlags(c.status)) continue;
          await Comment.updateOne(
            { _id: c._id, flagQueue: null },
            { $set: await flaggedPlace(site._id) },
          );
        }
        const logs = ModerationLog.find({ site: site._id, bucket: { $exists: false } }).sort({
          _id: 1,
        });
        for await (const e of logs.lean().cursor()) {
          const place = await enterList(logList(site._id), site._id);
          await ModerationLog.updateOne(
            { _id: e._id },
            { $set: { bucket: place.key, seq: place.seq } },
          );
        }
      }
    },
  },
  {
    // 4: roots with a score sit in their thread's list for it (the top sort); votes name their thread.
    version: 4,
    async run() {
      for await (const thread of Thread.find({}, { _id: 1 }).lean().cursor()) {
        const roots = Comment.find({ thread: thread._id, depth: 0, rank: null });
        for await (const root of roots.lean().cursor()) if (root.score !== 0) await rerank(root);
      }
      for await (const vote of Vote.find({ thread: null }).lean().cursor()) {
        const comment = await Comment.findById(vote.comment, { thread: 1 }).lean();
        if (comment) await Vote.updateOne({ _id: vote._id }, { $set: { thread: comment.thread } });
      }
    },
  },
  {
    // 5: replies numbered among their siblings (the tree walk); big trees leave the root bucket.
    version: 5,
    async run() {
      // Recomputed from the replies themselves, so running it again gives the same result.
      for await (const root of Comment.find({ depth: 0 }).lean().cursor()) {
        const replies = (await Comment.find({ rootId: root._id, depth: { $gt: 0 } }).lean()).sort(
          (a, b) => a._id.toHexString().localeCompare(b._id.toHexString()),
        );
        const children = new Map<string, number>();
        for (const reply of replies) {
          const parent = reply.parentId!.toHexString();
          const n = children.get(parent) ?? 0;
          children.set(parent, n + 1);
          await Comment.updateOne(
            { _id: reply._id },
            {
              $set: {
                sib: siblingKey(reply.parentId!, Math.floor(n / SIBLING_BUCKET)),
                ...(replies.length > REPLY_HEAD ? { page: null } : {}),
              },
            },
          );
        }
        for (const [id, n] of children) {
          await Comment.updateOne({ _id: id }, { $set: { childSeq: n } });
        }
        await Comment.updateOne(
          { _id: root._id },
          {
            $set: {
              replySeq: replies.length,
              descendants: replies.filter((r) => r.visible).length,
            },
          },
        );
      }
    },
  },
  {
    // 6: live-update events carry their bucket (a catch-up reads the buckets after `since`).
    version: 6,
    async run() {
      for await (const e of ThreadEvent.find({ bucket: null }).lean().cursor()) {
        await ThreadEvent.updateOne(
          { _id: e._id },
          { $set: { bucket: eventBucket(e.thread, e.seq) } },
        );
      }
    },
  },
  {
    // 7: pinned roots carry their thread's id in `pin`.
    version: 7,
    async run() {
      for await (const c of Comment.find({ pinned: true, pin: null }).lean().cursor()) {
        await Comment.updateOne({ _id: c._id }, { $set: { pin: c.thread.toHexString() } });
      }
    },
  },
  {
    // 8: bans name their targets, one identity each.
    version: 8,
    async run() {
      for await (const b of Ban.find({}).lean().cursor()) {
        if (b.targets?.length) continue;
        await Ban.updateOne({ _id: b._id }, { $set: { targets: banTargets(b.site, b) } });
      }
    },
  },
  {
    // 9: comments carry their author's owner key (a user's or a guest's comments by one key).
    version: 9,
    async run() {
      for await (const c of Comment.find({}, { _id: 1, site: 1, author: 1, owner: 1 })
        .lean()
        .cursor()) {
        const owner = ownerKey(c.site, c.author);
        if (c.owner === owner) continue;
        await Comment.updateOne({ _id: c._id }, { $set: { owner } });
      }
    },
  },
];

export const SCHEMA_VERSION = steps[steps.length - 1]!.version;

/**
 * Brings stored data to the current layout, once: an empty database is marked current at once.
 * Each step is idempotent, so a start interrupted mid-step simply runs it again.
 */
export async function migrate(): Promise<void> {
  const current = await SchemaVersion.findById("schema").lean();
  if (!current && !(await Thread.exists({})) && !(await ModerationLog.exists({}))) {
    await SchemaVersion.updateOne(
      { _id: "schema" },
      { $set: { version: SCHEMA_VERSION } },
      { upsert: true },
    );
    return;
  }
  for (const step of steps) {
    if ((current?.version ?? 1) >= step.version) continue;
    await step.run();
    await SchemaVersion.updateOne(
      { _id: "schema" },
      { $set: { version: step.version } },
      { upsert: true },
    );
  }
}
