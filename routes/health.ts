import { Router } from "express";
import mongoose from "mongoose";

/** Liveness and readiness for load balancers and orchestrators. */
export function healthRouter(): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const ok = await databaseAnswers();
    res
      .status(ok ? 200 : 503)
      .json(
        ok
          ? { status: "ok" }
          : { error: { code: "unavailable", message: "The database does not answer." } },
      );
  });
  return router;
}

async function databaseAnswers(): Promise<boolean> {
  const db = mongoose.connection.db;
  if (mongoose.connection.readyState !== mongoose.ConnectionStates.connected || !db) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<false>(
      (resolve) => (timer = setTimeout(() => resolve(false), 2000)),
    );
    return await Promise.race([
      db
        .admin()
        .ping()
        .then(() => true),
      timeout,
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
