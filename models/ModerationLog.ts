import { Schema, Types, model } from "mongoose";

export const LOG_TARGETS = ["comment", "user", "ban", "thread", "settings"] as const;

/** One moderation action or settings change: who, what, when, before and after. */
export interface ModerationLogDoc {
  _id: Types.ObjectId;
  site: string;
  actor: Types.ObjectId;
  actorName: string;
  action: string;
  targetType: (typeof LOG_TARGETS)[number];
  targetId: string;
  reason: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Bucket key and number in the site's log list (server/services/bucketLists.ts). */
  bucket: string;
  seq: number;
  createdAt: Date;
}

const logSchema = new Schema<ModerationLogDoc>(
  {
    site: { type: String, required: true },
    actor: { type: Schema.Types.ObjectId, required: true },
    actorName: { type: String, required: true },
    action: { type: String, required: true },
    targetType: { type: String, enum: LOG_TARGETS, required: true },
    targetId: { type: String, required: true },
    reason: { type: String, default: null },
    before: { type: Schema.Types.Mixed, default: null },
    after: { type: Schema.Types.Mixed, default: null },
    bucket: { type: String, required: true },
    seq: { type: Number, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);
// A page of the log is one bucket of the site's list, never the site's whole log.
logSchema.index({ bucket: 1 });

export const ModerationLog = model<ModerationLogDoc>("ModerationLog", logSchema);
