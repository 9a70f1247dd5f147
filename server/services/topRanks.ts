import type { Types } from "mongoose";
import { BucketList, type BucketListDoc } from "../../models/BucketList";
import { Comment, type CommentDoc } from "../../models/Comment";
import { bucketKey, bucketOf } from "./bucketLists";

/** The owner of a thread's score lists, and the list of its roots at one score. */
export const topOwner = (thread: Types.ObjectId) => `top:${thread.toHexString()}`;
export const topList = (thread: Types.ObjectId, score: number) => `${topOwner(thread)}:${score}`;
export const scoreOfTopList = (id: string) => Number(id.slice(id.lastIndexOf(":") + 1));

const listOfKey = (key: string) => key.slice(0, key.lastIndexOf("#"));

async function count(key: string, owner: string, delta: 1 | -1) {
  await BucketList.updateOne(
    { _id: listOfKey(key) },
    { $inc: { [`counts.${bucketOf(key)}`]: delta }, $setOnInsert: { owner, next: 0, left: {} } },
    { upsert: true },
  );
}

/**
 * Moves a root into its thread's list for the score it has now, at its own root bucket, so that
 * within a score roots read oldest first, one root bucket per query. Roots at 0 need no list: the
 * top sort reads them from the root buckets themselves. The move is conditional on the score, so
 * of concurrent votes the one that saw the final score places the root; a bucket is counted
 * before a root moves in and uncounted once it has moved out, so a count never says empty while a
 * root remains.
 */
export async function rerank(
  comment: Pick<CommentDoc, "_id" | "thread" | "score" | "bucket">,
): Promise<void> {
  const owner = topOwner(comment.thread);
  const place =
    comment.score === 0 ? null : bucketKey(topList(comment.thread, comment.score), comment.bucket);
  if (place) await count(place, owner, 1);
  const before = await Comment.findOneAndUpdate(
    { _id: comment._id, score: comment.score },
    { $set: { rank: place } },
    { returnDocument: "before" },
  ).lean();
  // Overtaken by a later vote, or already there: take back the count just added.
  if (place && (!before || before.rank === place)) await count(place, owner, -1);
  if (before?.rank && before.rank !== place) await count(before.rank, owner, -1);
}

/** The root buckets where a score list has roots, in order, from `from` on. */
export function rankedBuckets(list: Pick<BucketListDoc, "counts"> | undefined, from = 0): number[] {
  return Object.entries(list?.counts ?? {})
    .filter(([b, n]) => n > 0 && Number(b) >= from)
    .map(([b]) => Number(b))
    .sort((a, b) => a - b);
}
