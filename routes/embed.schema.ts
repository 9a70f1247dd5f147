import { z } from "zod";
import { httpUrl, siteSlug, text, threadKey } from "../server/validation";

/** /widget?site=&key=&url=&title=&origin= as embed.js builds it. */
export const widgetQuery = z.object({
  site: siteSlug,
  key: threadKey,
  url: httpUrl.optional(),
  title: text({ max: 500 }).optional(),
  /** The host page's origin; the widget posts to it, so it must be one the site allows. */
  origin: z.string().max(300).optional(),
  /** "1" when the host page hands the widget its reader's SSO token by postMessage. */
  sso: z.literal("1").optional(),
});

export const assetParams = z.object({ file: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/) });
