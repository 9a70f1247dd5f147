import { Router } from "express";
import type { Config } from "../config";
import { sessionCookieOptions } from "../auth/sessions";
import type { DomainEvents } from "../server/events";
import { requireSignIn, SESSION_COOKIE } from "../server/middleware/authenticate";
import { requireAdmin } from "../server/services/moderation";
import { deleteAccount, eraseGuest, exportUserData } from "../server/services/personalData";
import { getSite } from "../server/services/sites";
import { parse } from "../server/validation";
import { deleteAccountQuery, eraseBody } from "./personalData.schema";
import { siteParams } from "./threads.schema";

/** A user's own data (download, account deletion) and admins' erasure of a guest's. */
export function personalDataRouter(deps: { events: DomainEvents; config: Config }): Router {
  const router = Router();

  router.get("/me/export", requireSignIn, async (req, res) => {
    res.set("Cache-Control", "no-store");
    res.set("Content-Disposition", 'attachment; filename="my-comments-data.json"');
    res.json(await exportUserData(req.viewer.user!));
  });

  router.delete("/me", requireSignIn, async (req, res) => {
    const { comments } = parse(deleteAccountQuery, req.query, "query");
    await deleteAccount(deps.events, req.viewer.user!, comments);
    const { maxAge: _maxAge, ...cookie } = sessionCookieOptions(deps.config);
    res.clearCookie(SESSION_COOKIE, cookie);
    res.status(204).end();
  });

  router.post("/sites/:site/erase", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    requireAdmin(req.viewer, site);
    await getSite(site);
    const body = parse(eraseBody, req.body);
    res.json({ comments: await eraseGuest(deps.events, site, body.email, body.comments) });
  });

  return router;
}
