import { z } from "zod";
import { origin, siteSlug } from "../server/validation";

export { origin };

export const providersQuery = z.object({ site: siteSlug });

export const startQuery = z.object({
  site: siteSlug,
  /** The origin of the window that opened the popup; the message goes back only there. */
  origin,
});
