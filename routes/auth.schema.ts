import { z } from "zod";
import { siteSlug } from "../server/validation";

/** An origin exactly: scheme, host and optional port, as window.location.origin gives it. */
export const origin = z
  .string()
  .max(300)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && u.origin === v;
    } catch {
      return false;
    }
  }, "must be an origin such as https://example.com");

export const providersQuery = z.object({ site: siteSlug });

export const startQuery = z.object({
  site: siteSlug,
  /** The origin of the window that opened the popup; the message goes back only there. */
  origin,
});
