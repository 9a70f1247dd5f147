import { Router } from "express";
import { presentUser } from "../auth/presentUser";
import { requireSignIn } from "../server/middleware/authenticate";

/** GET /api/v1/me: the signed-in user; mounted inside the API router, after authenticate. */
export function meRouter(): Router {
  const router = Router();
  router.get("/me", requireSignIn, async (req, res) => {
    res.json(await presentUser(req.viewer.user!));
  });
  return router;
}
