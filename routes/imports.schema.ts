import { z } from "zod";
import { IMPORT_FORMATS, THREAD_KEY_SOURCES } from "../server/imports/records";
import { origin, siteSlug, text } from "../server/validation";

export const importQuery = z.object({
  format: z.enum(IMPORT_FORMATS).optional(),
  key: z.enum(THREAD_KEY_SOURCES).default("identifier"),
});

export const importParams = z.object({ site: siteSlug, id: z.string().regex(/^[0-9a-f]{24}$/) });

export const newSiteBody = z
  .object({
    id: siteSlug,
    name: text({ min: 1, max: 200 }),
    origins: z.array(origin).max(100).default([]),
  })
  .strict();
