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
  /** banTarget() of each of its user, email and ip: a check looks up one identity's bans. */
  targets: string[];
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
    targets: { type: [String], default: [] },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
// Derived here, so every way of storing a ban names its targets.
banSchema.pre("validate", function () {
  this.targets = banTargets(this.site, this);
});

banSchema.index({ targets: 1 });
banSchema.index({ site: 1, _id: -1 });

/** One identity on one site, as a ban names it. */
export const banTarget = (site: string, kind: "user" | "email" | "ip", value: string) =>
  `${site}|${kind}:${value}`;

/** The targets of a ban on `site` of these identities. */
export function banTargets(
  site: string,
  who: { user?: Types.ObjectId | null; email?: string | null; ip?: string | null },
): string[] {
  const out: string[] = [];
  if (who.user) out.push(banTarget(site, "user", who.user.toHexString()));
  if (who.email) out.push(banTarget(site, "email", who.email.toLowerCase()));
  if (who.ip) out.push(banTarget(site, "ip", who.ip));
  return out;
}

export const Ban = model<BanDoc>("Ban", banSchema);
