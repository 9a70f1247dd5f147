import { Schema, Types, model } from "mongoose";

export const FLAG_REASONS = ["spam", "abuse", "off_topic", "other"] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

export interface FlagDoc {
  /** "commentId:userId": a user flags a comment once. */
  _id: string;
  comment: Types.ObjectId;
  site: string;
  user: Types.ObjectId;
  reason: FlagReason;
  note: string | null;
  createdAt: Date;
}

const flagSchema = new Schema<FlagDoc>(
  {
    _id: { type: String, required: true },
    comment: { type: Schema.Types.ObjectId, required: true },
    site: { type: String, required: true },
    user: { type: Schema.Types.ObjectId, required: true },
    reason: { type: String, enum: FLAG_REASONS, required: true },
    note: { type: String, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
flagSchema.index({ comment: 1 });
// A user's own flags, for their data export and account deletion.
flagSchema.index({ user: 1 });

export const Flag = model<FlagDoc>("Flag", flagSchema);
