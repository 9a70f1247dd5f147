import { Schema, Types, model } from "mongoose";
import { LEGACY_ROOT_BUCKET_SIZE } from "./Comment";

export interface ThreadDoc {
  _id: Types.ObjectId;
  site: string;
  key: string;
  url: string | null;
  title: string | null;
  /** False once a moderator closes it; closeAfterDays closes it too, computed on read. */
  open: boolean;
  /** Approved comments only. */
  commentCount: number;
  /** Roots ever created, numbering them for bucketed pagination. */
  rootSeq: number;
  /**
   * Roots per root bucket, fixed when the thread is created (ROOT_BUCKET_SIZE): a bucket holds what
   * a first page shows. Absent on threads of earlier versions, which have buckets of 32.
   */
  bucketSize?: number;
  /** Pinned roots, so pages look for them only when there are some. */
  pinnedCount: number;
  /** Last live-update sequence number handed out for this thread. */
  seq: number;
  createdAt: Date;
  updatedAt: Date;
}

const threadSchema = new Schema<ThreadDoc>(
  {
    site: { type: String, required: true },
    key: { type: String, required: true },
    url: { type: String, default: null },
    title: { type: String, default: null },
    open: { type: Boolean, default: true },
    commentCount: { type: Number, default: 0 },
    rootSeq: { type: Number, default: 0 },
    bucketSize: { type: Number },
    pinnedCount: { type: Number, default: 0 },
    seq: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);

// Key first: the embedded engine indexes an index's leading field, and a key picks out a thread
// where a site would match all of the site's threads.
threadSchema.index({ key: 1, site: 1 }, { unique: true });

export const Thread = model<ThreadDoc>("Thread", threadSchema);

/** The thread's roots per bucket. */
export const bucketSizeOf = (thread: Pick<ThreadDoc, "bucketSize">) =>
  thread.bucketSize ?? LEGACY_ROOT_BUCKET_SIZE;

/** The number of the thread's last root bucket (0 while it has no roots). */
export const lastRootBucket = (thread: Pick<ThreadDoc, "bucketSize" | "rootSeq">) =>
  Math.floor(Math.max(thread.rootSeq - 1, 0) / bucketSizeOf(thread));
