import type { NextFunction, Request, Response } from "express";
import type { Config } from "../../config";
import { Site } from "../../models/Site";
import { KeptFor } from "../services/keptFor";
import { allowedOrigins, getSite } from "../services/sites";

// Whether some site lists an origin, kept a few seconds: endpoints that name no site (a comment by
// id, /me, logout) answer every site's pages, and sites change rarely.
const listedOrigins = new KeptFor<boolean>(10_000);

/** Forgets what was kept of sites' origins (a site's origins changed). */
export function forgetListedOrigins(): void {
  listedOrigins.deletePrefix("");
}

/** The site a request names: `/api/v1/sites/:site/...`, or `?site=` on the sign-in endpoints. */
function siteOf(req: Request): string | null {
  const inPath = /^\/api\/v1\/sites\/([a-z0-9][a-z0-9-]{0,62})(?:[/?]|$)/.exec(req.originalUrl);
  if (inPath) return inPath[1]!;
  const q = req.query.site;
  return typeof q === "string" && /^[a-z0-9][a-z0-9-]{0,62}$/.test(q) ? q : null;
}

async function allows(config: Config, origin: string, site: string | null): Promise<boolean> {
  if (origin === config.publicOrigin) return true;
  if (site) {
    try {
      return allowedOrigins(await getSite(site), config).includes(origin);
    } catch {
      return false;
    }
  }
  let listed = listedOrigins.get(origin);
  if (listed === undefined) {
    // Sites are few: their origins are one small read, kept.
    const sites = await Site.find({}, { origins: 1 }).lean();
    listed = sites.some((s) => s.origins.includes(origin));
    listedOrigins.set(origin, listed);
  }
  return listed;
}

/**
 * CORS that answers only the origins allowed to use the API: for an endpoint of one site, that
 * site's origins (and the service's own); for the others, the origins some site lists. The origin
 * is echoed exactly, with `Vary: Origin`; any other gets no CORS headers, so its browser refuses the
 * answer. Credentials are never allowed: pages elsewhere authenticate by bearer token.
 */
export function siteCors(config: Config, methods: string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.vary("Origin");
    const origin = req.get("origin");
    const allowed = !!origin && (await allows(config, origin, siteOf(req)));
    if (allowed) res.set("Access-Control-Allow-Origin", origin);
    if (req.method === "OPTIONS") {
      if (allowed) {
        res.set({
          "Access-Control-Allow-Methods": methods,
          "Access-Control-Allow-Headers": "Authorization, Content-Type",
          "Access-Control-Max-Age": "600",
        });
      }
      res.status(204).end();
      return;
    }
    next();
  };
}
