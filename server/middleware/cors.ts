import type { NextFunction, Request, Response } from "express";

/**
 * CORS for endpoints that pages on any site call: they authenticate by bearer token, never by
 * cookies across origins, so allowing every origin without credentials is safe.
 */
export function publicCors(methods: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.set("Access-Control-Allow-Origin", "*");
    if (req.method === "OPTIONS") {
      res.set({
        "Access-Control-Allow-Methods": methods,
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Max-Age": "600",
      });
      res.status(204).end();
      return;
    }
    next();
  };
}
