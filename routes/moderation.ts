import { Router } from "express";
import type { DomainEvents } from "../server/events";
import { presentComment } from "../server/presenters/comment";
import {
  createBan,
  liftBan,
  listBans,
  listLog,
  listQueue,
  moderateComment,
  presentSettings,
  requireAdmin,
  setThreadOpen,
  updateSettings,
} from "../server/services/moderation";
import { getSite } from "../server/services/sites";
import { parse } from "../server/validation";
import { commentParams } from "./comments.schema";
import {
  banBody,
  banParams,
  logQuery,
  moderationBody,
  queueQuery,
  settingsBody,
} from "./moderation.schema";
import { siteParams, threadParams, threadPatchBody } from "./threads.schema";
import type { Config } from "../config";
import { presentThread } from "../server/presenters/thread";

/** The moderation queue and actions, bans, the audit log, site settings and thread closing. */
export function moderationRouter(deps: { events: DomainEvents; config: Config }): Router {
  const router = Router();

  router.get("/sites/:site/moderation/queue", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    const query = parse(queueQuery, req.query, "query");
    res.json(await listQueue(req.viewer, site, query));
  });

  router.post("/comments/:id/moderation", async (req, res) => {
    const { id } = parse(commentParams, req.params);
    const { action, reason } = parse(moderationBody, req.body);
    const comment = await moderateComment(deps.events, req.viewer, id, action, reason);
    res.json(presentComment(comment, { viewer: req.viewer }));
  });

  router.get("/sites/:site/bans", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    res.json(await listBans(req.viewer, site));
  });

  router.post("/sites/:site/bans", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    const body = parse(banBody, req.body);
    res.status(201).json(await createBan(deps.events, req.viewer, site, body));
  });

  router.delete("/sites/:site/bans/:id", async (req, res) => {
    const { site, id } = parse(banParams, req.params);
    await liftBan(deps.events, req.viewer, site, id);
    res.status(204).end();
  });

  router.get("/sites/:site/moderation/log", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    const query = parse(logQuery, req.query, "query");
    res.json(await listLog(req.viewer, site, query));
  });

  router.get("/sites/:site/settings", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    requireAdmin(req.viewer, site);
    res.json(presentSettings(await getSite(site)));
  });

  router.patch("/sites/:site/settings", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    const patch = parse(settingsBody, req.body);
    res.json(await updateSettings(deps.events, req.viewer, site, patch));
  });

  router.patch("/sites/:site/threads/:key", async (req, res) => {
    const { site, key } = parse(threadParams, req.params);
    const { open } = parse(threadPatchBody, req.body);
    const result = await setThreadOpen(deps.events, req.viewer, site, key, open);
    res.json(presentThread(result.site, key, result.thread, deps.config));
  });

  return router;
}
