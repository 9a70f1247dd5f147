import type { NextFunction, Request, Response } from "express";
import mongoose from "mongoose";
import type { Logger } from "pino";
import {
  AppError,
  NotFoundError,
  PayloadTooLargeError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../errors";

/**
 * FerretDB answers InternalError (code 1) when PostgreSQL under it is gone or restarting, with
 * PostgreSQL's SQLSTATE inside the message: class 08 (connection exceptions) and 57P01 to 57P03
 * (shut down, crashed, starting up). Those codes are PostgreSQL's stable ones; FerretDB gives no
 * other way to tell them apart from a bug of its own.
 */
function isEngineBackendDown(err: Error): boolean {
  const e = err as { code?: unknown; message: string };
  return (
    err.name === "MongoServerError" &&
    e.code === 1 &&
    (/SQLSTATE (08\d{3}|57P0[123])\b/.test(e.message) ||
      /\bconnect: connection refused\b/.test(e.message))
  );
}

function isDatabaseDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    isEngineBackendDown(err) ||
    err.name === "MongoServerSelectionError" ||
    err.name === "MongoNetworkError" ||
    err.name === "MongoNetworkTimeoutError" ||
    err.name === "MongoNotConnectedError" ||
    err.name === "MongoTopologyClosedError" ||
    err.name === "MongoExpiredSessionError" ||
    err.name === "MongoClientClosedError" ||
    err.name === "MongooseServerSelectionError" ||
    err.name === "MongoPoolClearedError"
  );
}

/** Turns anything thrown into the error body of shared/API.md. Unknown errors are logged, never shown. */
function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; name?: string };
  if (e.type === "entity.too.large") return new PayloadTooLargeError();
  if (e.type === "entity.parse.failed")
    return new ValidationError("The request body is not valid JSON.", { body: "malformed JSON" });
  if (e.type === "encoding.unsupported" || e.type === "charset.unsupported")
    return new UnsupportedMediaTypeError("Send UTF-8 JSON.");
  if (e.type === "request.aborted") return new ValidationError("The request was aborted.");
  if (err instanceof mongoose.Error.CastError) return new NotFoundError();
  if (isDatabaseDown(err)) return new UnavailableError();
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    return new AppError(e.status, "invalid_request", "The request could not be understood.");
  }
  return null;
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = toAppError(err);
    if (!known) {
      logger.error({ err, method: req.method, path: req.path }, "unhandled error");
      res
        .status(500)
        .json({ error: { code: "internal_error", message: "Something went wrong on our side." } });
      return;
    }
    if (known.headers) res.set(known.headers);
    res.status(known.status).json({
      error: {
        code: known.code,
        message: known.message,
        ...(known.details ? { details: known.details } : {}),
      },
    });
  };
}

/** Answers 503 at once while the database connection is down, instead of letting requests hang. */
export function requireDatabase(_req: Request, _res: Response, next: NextFunction) {
  if (mongoose.connection.readyState !== mongoose.ConnectionStates.connected)
    throw new UnavailableError();
  next();
}

/** Bodies are JSON only; anything else with a body is a 415 rather than silently ignored. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction) {
  const hasBody =
    Number(req.get("content-length") ?? 0) > 0 || req.get("transfer-encoding") !== undefined;
  if (
    hasBody &&
    ["POST", "PUT", "PATCH", "DELETE"].includes(req.method) &&
    !req.is("application/json")
  ) {
    throw new UnsupportedMediaTypeError();
  }
  next();
}

/**
 * Query keys in bracket or operator form (`sort[$ne]=x`, `$where=…`) are refused outright: the
 * simple query parser would not nest them, but a client sending them is trying something.
 */
export function refuseOperatorQueryKeys(req: Request, _res: Response, next: NextFunction) {
  const bad = Object.keys(req.query).filter((k) => k.includes("[") || k.startsWith("$"));
  if (bad.length > 0) {
    throw new ValidationError(
      "Query parameters must be plain names.",
      Object.fromEntries(bad.map((k) => [`query.${k}`, "not allowed"])),
    );
  }
  next();
}
