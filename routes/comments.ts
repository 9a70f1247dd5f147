import { Router } from "express";
import type { DomainEvents } from "../server/events";
import { requireSignIn } from "../server/middleware/authenticate";
import { presentComment } from "../server/presenters/comment";
import {
  deleteComment,
  editComment,
  flagComment,
  voteOnComment,
} from "../server/services/commentActions";
import { getComment, listReplies } from "../server/services/commentReader";
import { siteScope, threadScope, type ReadCache } from "../server/readCache";
import { parse } from "../server/validation";
import { commentParams, editBody, flagBody, repliesQuery, voteBody } from "./comments.schema";

/** One comment: read, replies, edit, delete, vote, flag. */
export function commentsRouter(deps: { events: DomainEvents; readCache: ReadCache }): Router {
  const router = Router();

  router.get("/comments/:id", async (req, res) => {
    const { id } = parse(commentParams, req.params);
    res.json(await getComment(req.viewer, id));
  });

  router.get("/comments/:id/replies", async (req, res) => {
    const { id } = parse(commentParams, req.params);
    const query = parse(repliesQuery, req.query, "query");
    const read = async () => {
      const { site, threadKey, ...body } = await listReplies(req.viewer, id, query);
      return { body, scopes: [threadScope(site, threadKey), siteScope(site)] };
    };
    await deps.readCache.serveAnonymous(
      req,
      res,
      `replies\u0000${id}\u0000${query.cursor ?? ""}\u0000${query.limit}`,
      read,
    );
  });

  router.patch("/comments/:id", requireSignIn, async (req, res) => {
    const { id } = parse(commentParams, req.params);
    const { body } = parse(editBody, req.body);
    const comment = await editComment(deps.events, req.viewer, id, body);
    res.json(presentComment(comment, { viewer: req.viewer }));
  });

  router.delete("/comments/:id", requireSignIn, async (req, res) => {
    const { id } = parse(commentParams, req.params);
    await deleteComment(deps.events, req.viewer, id);
    res.status(204).end();
  });

  router.put("/comments/:id/vote", requireSignIn, async (req, res) => {
    const { id } = parse(commentParams, req.params);
    const { value } = parse(voteBody, req.body);
    res.json(await voteOnComment(deps.events, req.viewer, id, value));
  });

  router.post("/comments/:id/flags", requireSignIn, async (req, res) => {
    const { id } = parse(commentParams, req.params);
    const { reason, note } = parse(flagBody, req.body);
    res.status(201).json(await flagComment(deps.events, req.viewer, id, reason, note));
  });

  return router;
}
