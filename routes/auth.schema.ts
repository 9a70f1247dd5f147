import { z } from "zod";
import { origin, siteSlug } from "../server/validation";

export { origin };

export const providersQuery = z.object({ site: siteSlug });

/** POST /auth/sso: the host site's token for its reader. */
export const ssoBody = z.object({ site: siteSlug, token: z.string().min(1).max(8192) }).strict();

/** POST /auth/demo/callback: the demo popup's form. */
export const demoForm = z.object({
  state: z.string().max(512),
  name: z.string().max(1000).optional(),
  moderator: z.literal("1").optional(),
});

export const startQuery = z.object({
  site: siteSlug,
  /** The origin of the window that opened the popup; the message goes back only there. */
  origin,
});
