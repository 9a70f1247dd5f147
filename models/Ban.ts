import { Schema, Types, model } from "mongoose";

export interface BanDoc {
  _id: Types.ObjectId;
  site: string;
  user: Types.ObjectId | null;
  /** Lower-cased. */
  email: string | null;
  ip: string | null;
  /** Null bans for good. */
  until: Date | null;
  reason: string;
  createdBy: Types.ObjectId;
  liftedAt: Date | null;
  liftedBy: Types.ObjectId | null;
  createdAt: Date;
}

const banSchema = new Schema<BanDoc>(
  {
    site: { type: String, required: true },
    user: { type: Schema.Types.ObjectId, default: null },
    email: { type: String, default: null },
    ip: { type: String, default: null },
    until: { type: Date, default: null },
    reason: { type: String, required: true },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    liftedAt: { type: Date, default: null },
    liftedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
banSchema.index({ site: 1, user: 1 });
banSchema.index({ site: 1, email: 1 });
banSchema.index({ site: 1, ip: 1 });

export const Ban = model<BanDoc>("Ban", banSchema);
