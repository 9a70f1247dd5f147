import { Schema, Types, model } from "mongoose";

export const THREAD_EVENT_TYPES = [
  "comment:created",
  "comment:updated",
  "comment:deleted",
  "comment:voted",
] as const;
export type ThreadEventType = (typeof THREAD_EVENT_TYPES)[number];

/**
 * One live update of a thread, kept so a reconnecting reader can be sent what it missed. Only
 * the public presentation is stored (what any reader of the thread may see), never a body or an
 * email. The last few hundred events per thread are kept; server/realtime/threadLog.ts prunes.
 */
export interface ThreadEventDoc {
  /** "<thread id>:<seq>": unique by construction, so a seq is never stored twice. */
  _id: string;
  thread: Types.ObjectId;
  /** Per-thread, strictly increasing; allocated with $inc on Thread.seq. */
  seq: number;
  type: ThreadEventType;
  /** "<thread id>:<seq / EVENT_BUCKET>": a catch-up reads the buckets after `since`, never the log. */
  bucket: string;
  /** The event exactly as emitted to the thread's room, seq included. */
  payload: Record<string, unknown>;
  createdAt: Date;
}

const threadEventSchema = new Schema<ThreadEventDoc>(
  {
    _id: { type: String, required: true },
    thread: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true, min: 1 },
    type: { type: String, enum: THREAD_EVENT_TYPES, required: true },
    bucket: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
  },
  // minimize: false keeps empty objects and arrays in the payload (a comment's `replies: []`).
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);

export const EVENT_BUCKET = 50;
export const eventBucket = (thread: Types.ObjectId, seq: number) =>
  `${thread.toHexString()}:${Math.floor(seq / EVENT_BUCKET)}`;

// A catch-up reads one bucket of a thread's events per query.
threadEventSchema.index({ bucket: 1 });

export const ThreadEvent = model<ThreadEventDoc>("ThreadEvent", threadEventSchema);
