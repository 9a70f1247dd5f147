import { Schema, Types, model } from "mongoose";

export interface VoteDoc {
  /** "commentId:userId": one vote per user and comment, found by key. */
  _id: string;
  comment: Types.ObjectId;
  user: Types.ObjectId;
  /** The comment's thread: a reader's votes on a page are read by (user, thread). */
  thread: Types.ObjectId;
  value: -1 | 0 | 1;
  updatedAt: Date;
}

const voteSchema = new Schema<VoteDoc>(
  {
    _id: { type: String, required: true },
    comment: { type: Schema.Types.ObjectId, required: true },
    user: { type: Schema.Types.ObjectId, required: true },
    thread: { type: Schema.Types.ObjectId, required: true },
    value: { type: Number, enum: [-1, 0, 1], required: true },
  },
  { timestamps: { createdAt: false, updatedAt: true }, versionKey: false },
);
voteSchema.index({ user: 1, thread: 1 });

export const Vote = model<VoteDoc>("Vote", voteSchema);
