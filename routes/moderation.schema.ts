import { z } from "zod";
import { PRE_MODERATION, PROVIDERS } from "../models/Site";
import { objectId, origin, siteSlug, text } from "../server/validation";

export const queueQuery = z.object({
  status: z.enum(["pending", "flagged", "spam", "rejected"]).default("pending"),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const logQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const moderationBody = z
  .object({
    action: z.enum(["approve", "reject", "spam", "delete", "pin", "unpin"]),
    reason: text({ max: 500 }).optional(),
  })
  .strict();

export const banBody = z
  .object({
    userId: objectId.optional(),
    email: text({ max: 254 }).pipe(z.email("must be an email address")).optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    until: z.iso
      .datetime({ offset: true })
      .transform((v) => new Date(v))
      .optional(),
    reason: text({ min: 1, max: 500 }),
  })
  .strict();

export const banParams = z.object({ site: siteSlug, id: z.string().max(100) });

const wordList = z.array(text({ min: 1, max: 100 })).max(5000);
export const settingsBody = z
  .object({
    name: text({ min: 1, max: 200 }),
    requireLogin: z.boolean(),
    allowGuests: z.boolean(),
    preModeration: z.enum(PRE_MODERATION),
    maxLinks: z.number().int().min(0).max(1000),
    bannedWords: wordList,
    holdWords: wordList,
    maxDepth: z.number().int().min(1).max(10),
    editWindowSeconds: z.number().int().min(0).max(31_536_000),
    closeAfterDays: z.number().int().min(0).max(36_500),
    providers: z.array(z.enum(PROVIDERS)).max(3),
    origins: z.array(origin).max(100),
    flagThreshold: z.number().int().min(1).max(1000),
    /** Write-only: the HS256 secret host pages sign their readers' tokens with; null turns SSO off. */
    sso: z
      .object({
        // RFC 7518 asks for an HS256 key of at least 256 bits.
        secret: z.string().min(32, "must be at least 32 characters").max(512),
      })
      .strict()
      .nullable(),
  })
  .partial()
  .strict();
