import { Router } from "express";
import type { Logger } from "pino";
import type { Config } from "../config";
import type { DomainEvents } from "../server/events";
import { presentComment } from "../server/presenters/comment";
import { presentThread } from "../server/presenters/thread";
import type { PostRateLimiter } from "../server/rateLimit";
import { createComment, type SpamCheck } from "../server/services/commentCreator";
import { countComments, listThreadComments } from "../server/services/commentReader";
import { getSite } from "../server/services/sites";
import { Thread } from "../models/Thread";
import { siteScope, threadScope, type ReadCache } from "../server/readCache";
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
  readCache: ReadCache;
  logger?: Logger;
}

/** Threads, their comment lists, posting, and counts for article listings. */
export function threadsRouter(deps: ThreadRoutesDeps): Router {
  const router = Router();

  const scopes = (site: string, key: string) => [threadScope(site, key), siteScope(site)];

  // Every reader gets the same thread, signed in or not.
  router.get("/sites/:site/threads/:key", async (req, res) => {
    const { site, key } = parse(threadParams, req.params);
    await deps.readCache.serve(req, res, `thread\u0000${site}\u0000${key}`, async () => {
      const siteDoc = await getSite(site);
      const thread = await Thread.findOne({ site, key }).lean();
      return { body: presentThread(siteDoc, key, thread, deps.config), scopes: scopes(site, key) };
    });
  });

  router.get("/sites/:site/threads/:key/comments", async (req, res) => {
    const { site, key } = parse(threadParams, req.params);
    const query = parse(listCommentsQuery, req.query, "query");
    const read = async () => ({
      body: await listThreadComments(deps.config, req.viewer, site, key, query),
      scopes: scopes(site, key),
    });
    const cacheKey = [
      "comments",
      site,
      key,
      query.sort,
      query.cursor ?? "",
      query.limit,
      query.replyLimit,
    ];
    await deps.readCache.serveAnonymous(req, res, cacheKey.join("\u0000"), read);
  });

  router.post("/sites/:site/threads/:key/comments", async (req, res) => {
    const { site, key } = parse(threadParams, req.params);
    const body = parse(postCommentBody, req.body);
    const viewer = req.viewer;
    await deps.postLimiter.consume(
      viewer.user ? `user:${viewer.user._id.toHexString()}` : `ip:${viewer.ip}`,
    );
    const background = (err: unknown) =>
      deps.logger?.error({ err }, "posting: deferred write failed");
    const { comment } = await createComment(
      { ...deps, onBackgroundError: background },
      viewer,
      site,
      key,
      {
        body: body.body,
        parentId: body.parentId ?? undefined,
        url: body.url,
        title: body.title,
        guest: body.guest && { ...body.guest, website: body.guest.website || undefined },
      },
    );
    res.status(comment.status === "approved" ? 201 : 202).json(presentComment(comment, { viewer }));
  });

  router.get("/sites/:site/counts", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    const { keys } = parse(countsQuery, req.query, "query");
    await deps.readCache.serve(
      req,
      res,
      `counts\u0000${site}\u0000${keys.join("\u0000")}`,
      async () => ({
        body: {
          counts: await deps.readCache.countsFor(site, keys, (missing) =>
            countComments(site, missing),
          ),
        },
        scopes: [siteScope(site), ...keys.map((k) => threadScope(site, k))],
      }),
    );
  });

  return router;
}
