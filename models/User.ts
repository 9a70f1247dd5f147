import { Schema, Types, model } from "mongoose";
import { SIGN_IN_PROVIDERS, type SignInProvider } from "./Site";

export const SITE_ROLES = ["moderator", "admin"] as const;
export type SiteRole = (typeof SITE_ROLES)[number];

export interface SiteRoleGrant {
  site: string;
  role: SiteRole;
}

export interface UserDoc {
  _id: Types.ObjectId;
  name: string;
  avatarUrl: string | null;
  profileUrl: string | null;
  email: string | null;
  /** The provider the user last signed in with. */
  provider: SignInProvider;
  /** Per-site roles; an array, never a map keyed by site, so no slug becomes a field name. */
  roles: SiteRoleGrant[];
  /** Set at each sign-in from ADMIN_IDENTITIES: admin of every site, including ones created later. */
  adminOfAllSites: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const roleSchema = new Schema<SiteRoleGrant>(
  {
    site: { type: String, required: true },
    role: { type: String, enum: SITE_ROLES, required: true },
  },
  { _id: false },
);

const userSchema = new Schema<UserDoc>(
  {
    name: { type: String, required: true },
    avatarUrl: { type: String, default: null },
    profileUrl: { type: String, default: null },
    email: { type: String, default: null },
    provider: { type: String, enum: SIGN_IN_PROVIDERS, required: true },
    roles: { type: [roleSchema], default: [] },
    adminOfAllSites: { type: Boolean, default: false },
  },
  { timestamps: true, versionKey: false },
);

export const User = model<UserDoc>("User", userSchema);

/** One provider account linked to a user; _id is "provider:providerId" so lookups hit the key. */
export interface IdentityDoc {
  _id: string;
  provider: SignInProvider;
  providerId: string;
  username: string;
  user: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const identitySchema = new Schema<IdentityDoc>(
  {
    _id: { type: String, required: true },
    provider: { type: String, enum: SIGN_IN_PROVIDERS, required: true },
    providerId: { type: String, required: true },
    username: { type: String, required: true },
    user: { type: Schema.Types.ObjectId, ref: "User", required: true },
  },
  { timestamps: true, versionKey: false },
);
identitySchema.index({ user: 1 });
identitySchema.index({ provider: 1, username: 1 });

export const Identity = model<IdentityDoc>("Identity", identitySchema);
