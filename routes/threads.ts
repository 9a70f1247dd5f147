import { Router } from "express";
import type { Config } from "../config";
import type { DomainEvents } from "../server/events";
import { presentComment } from "../server/presenters/comment";
import { presentThread } from "../server/presenters/thread";
import type { PostRateLimiter } from "../server/rateLimit";
import { createComment, type SpamCheck } from "../server/services/commentCreator";
import { countComments, listThreadComments } from "../server/services/commentReader";
import { getSite } from "../server/services/sites";
import { Thread } from "../models/Thread";
import { parse } from "../server/validation";
import {
  countsQuery,
  listCommentsQuery,
  postCommentBody,
  siteParams,
  threadParams,
} from "./threads.schema";

export interface ThreadRoutesDeps {
  config: Config;
  events: DomainEvents;
  postLimiter: PostRateLimiter;
  spamCheck?: SpamCheck;
}

/** Threads, their comment lists, posting, and counts for article listings. */
export function threadsRouter(deps: ThreadRoutesDeps): Router {
  const router = Router();

  router.get("/sites/:site/threads/:key", async (req, res) => {
    const { site, key } = parse(threadParams, req.params);
    const siteDoc = await getSite(site);
    const thread = await Thread.findOne({ site, key }).lean();
    res.json(presentThread(siteDoc, key, thread, deps.config));
  });

  router.get("/sites/:site/threads/:key/comments", async (req, res) => {
    const { site, key } = parse(threadParams, req.params);
    const query = parse(listCommentsQuery, req.query, "query");
    res.json(await listThreadComments(deps.config, req.viewer, site, key, query));
  });

  router.post("/sites/:site/threads/:key/comments", async (req, res) => {
    const { site, key } = parse(threadParams, req.params);
    const body = parse(postCommentBody, req.body);
    const viewer = req.viewer;
    await deps.postLimiter.consume(
      viewer.user ? `user:${viewer.user._id.toHexString()}` : `ip:${viewer.ip}`,
    );
    const { comment } = await createComment(deps, viewer, site, key, {
      body: body.body,
      parentId: body.parentId ?? undefined,
      url: body.url,
      title: body.title,
      guest: body.guest && { ...body.guest, website: body.guest.website || undefined },
    });
    res.status(comment.status === "approved" ? 201 : 202).json(presentComment(comment, { viewer }));
  });

  router.get("/sites/:site/counts", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    const { keys } = parse(countsQuery, req.query, "query");
    res.json({ counts: await countComments(site, keys) });
  });

  return router;
}
