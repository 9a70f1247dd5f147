import { Schema, Types, model } from "mongoose";

export interface SessionDoc {
  /** SHA-256 of the token, hex; the token itself is never stored. */
  _id: string;
  user: Types.ObjectId;
  expiresAt: Date;
  revokedAt: Date | null;
  lastSeenAt: Date;
  createdAt: Date;
}

const sessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true },
    user: { type: Schema.Types.ObjectId, ref: "User", required: true },
    expiresAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
    lastSeenAt: { type: Date, default: () => new Date() },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
sessionSchema.index({ user: 1 });

export const Session = model<SessionDoc>("Session", sessionSchema);
