import { Schema, model } from "mongoose";

export const PROVIDERS = ["wordpress", "twitter", "facebook"] as const;
export type Provider = (typeof PROVIDERS)[number];
/** Every way a user signs in: the OAuth providers, a host site's own accounts, the demo account. */
export const SIGN_IN_PROVIDERS = [...PROVIDERS, "sso", "demo"] as const;
export type SignInProvider = (typeof SIGN_IN_PROVIDERS)[number];
export const PRE_MODERATION = ["none", "first_comment", "all"] as const;
export type PreModeration = (typeof PRE_MODERATION)[number];

/** A site's discussion rules; the defaults mirror WordPress's discussion settings. */
export interface SiteSettings {
  requireLogin: boolean;
  allowGuests: boolean;
  preModeration: PreModeration;
  maxLinks: number;
  bannedWords: string[];
  holdWords: string[];
  maxDepth: number;
  editWindowSeconds: number;
  closeAfterDays: number;
  providers: Provider[];
  flagThreshold: number;
}

export const DEFAULT_SITE_SETTINGS: SiteSettings = {
  requireLogin: false,
  allowGuests: true,
  preModeration: "first_comment",
  maxLinks: 2,
  bannedWords: [],
  holdWords: [],
  maxDepth: 5,
  editWindowSeconds: 900,
  closeAfterDays: 0,
  providers: [...PROVIDERS],
  flagThreshold: 3,
};

export interface SiteDoc {
  /** The site's slug, used in every URL. */
  _id: string;
  name: string;
  /** Origins allowed to embed the widget and to open sign-in popups. */
  origins: string[];
  settings: SiteSettings;
  /** Single sign-on for the host site's own accounts: the HS256 secret, never sent back. */
  sso: { secret: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

const settingsSchema = new Schema<SiteSettings>(
  {
    requireLogin: { type: Boolean, default: DEFAULT_SITE_SETTINGS.requireLogin },
    allowGuests: { type: Boolean, default: DEFAULT_SITE_SETTINGS.allowGuests },
    preModeration: {
      type: String,
      enum: PRE_MODERATION,
      default: DEFAULT_SITE_SETTINGS.preModeration,
    },
    maxLinks: { type: Number, min: 0, default: DEFAULT_SITE_SETTINGS.maxLinks },
    bannedWords: { type: [String], default: [] },
    holdWords: { type: [String], default: [] },
    maxDepth: { type: Number, min: 1, max: 10, default: DEFAULT_SITE_SETTINGS.maxDepth },
    editWindowSeconds: { type: Number, min: 0, default: DEFAULT_SITE_SETTINGS.editWindowSeconds },
    closeAfterDays: { type: Number, min: 0, default: DEFAULT_SITE_SETTINGS.closeAfterDays },
    providers: { type: [String], enum: PROVIDERS, default: () => [...PROVIDERS] },
    flagThreshold: { type: Number, min: 1, default: DEFAULT_SITE_SETTINGS.flagThreshold },
  },
  { _id: false },
);

const siteSchema = new Schema<SiteDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    origins: { type: [String], default: [] },
    settings: { type: settingsSchema, default: () => ({}) },
    sso: {
      type: new Schema({ secret: { type: String, required: true } }, { _id: false }),
      default: null,
    },
  },
  { timestamps: true, versionKey: false },
);

export const Site = model<SiteDoc>("Site", siteSchema);
