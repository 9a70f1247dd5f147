import { z } from "zod";
import { httpUrl, siteSlug, text, threadKey } from "../server/validation";

export const threadParams = z.object({ site: siteSlug, key: threadKey });

const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

export const listCommentsQuery = z.object({
  sort: z.enum(["oldest", "newest", "top"]).default("oldest"),
  cursor: z.string().max(2000).optional(),
  limit: limit(100, 20),
  /** Replies shown under each root before "more replies". */
  replyLimit: z.coerce.number().int().min(0).max(200).default(50),
});

export const postCommentBody = z
  .object({
    body: text({ min: 1, max: 10_000 }),
    parentId: z.string().max(100).nullish(),
    url: httpUrl.optional(),
    title: text({ max: 500 }).optional(),
    guest: z
      .object({
        name: text({ min: 1, max: 100 }),
        email: text({ max: 254 }).pipe(z.email("must be an email address")),
        website: z.union([httpUrl, z.literal("")]).optional(),
      })
      .optional(),
    subscribe: z.boolean().optional(),
  })
  .strict();

export const countsQuery = z.object({
  keys: z
    .string()
    .max(30_000)
    .transform((v) => [
      ...new Set(
        v
          .split(",")
          .map((k) => k.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(threadKey).min(1, "name at least one key").max(100, "at most 100 keys")),
});

export const siteParams = z.object({ site: siteSlug });

export const threadPatchBody = z.object({ open: z.boolean() }).strict();
