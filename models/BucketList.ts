import { Schema, model } from "mongoose";

/**
 * An ordered list (a site's moderation queue for one status, its moderation log, a thread's roots
 * with one score) whose members are numbered on entry and grouped in buckets of LIST_BUCKET by that
 * number. A member stores its bucket's key and its number, so a page of the list is one equality
 * query on one bucket's key. `left` counts the members that moved out of each bucket, so pages skip
 * buckets that emptied; it only counts confirmed departures, so a bucket is never skipped while a
 * member remains.
 */
export interface BucketListDoc {
  /** e.g. "queue:<site>:pending", "log:<site>", "top:<thread>:<score>". */
  _id: string;
  /** What the list belongs to, to read all of a thread's score lists at once. */
  owner: string;
  /** Members ever entered; the next one gets this number. */
  next: number;
  /** Bucket number → members that left it. */
  left: Record<string, number>;
  /**
   * For lists placed by a bucket number of their own (a thread's roots at one score sit in their
   * root buckets): bucket number → members there now.
   */
  counts: Record<string, number>;
}

const bucketListSchema = new Schema<BucketListDoc>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    next: { type: Number, default: 0 },
    left: { type: Schema.Types.Mixed, default: {} },
    counts: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false, minimize: false },
);

bucketListSchema.index({ owner: 1 });

export const BucketList = model<BucketListDoc>("BucketList", bucketListSchema);
