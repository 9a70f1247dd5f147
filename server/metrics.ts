import crypto from "node:crypto";
import type http from "node:http";
import type { NextFunction, Request, Response } from "express";
import type mongoose from "mongoose";
import client from "prom-client";

/**
 * The process's Prometheus metrics (GET /metrics). One registry for the process: tests build
 * several apps in one process, and they share it as instances of one service would not.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const requestDuration = new client.Histogram({
  name: "http_request_duration_seconds",
  help: "HTTP requests by method, express route and status.",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

const engineDuration = new client.Histogram({
  name: "db_command_duration_seconds",
  help: "Database commands by name and outcome, as the driver saw them.",
  labelNames: ["command", "outcome"] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [registry],
});

export const eventsSent = new client.Counter({
  name: "socketio_events_sent_total",
  help: "Socket events emitted to rooms, by event name.",
  labelNames: ["event"] as const,
  registers: [registry],
});

/** The route label: express's route pattern, never the raw URL (ids would make one per comment). */
function routeOf(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return typeof route === "string" ? `${req.baseUrl}${route}` : "unmatched";
}

/** Times every request that express answers, labelled by its route once routing has run. */
export function measureRequests(req: Request, res: Response, next: NextFunction) {
  const end = requestDuration.startTimer();
  res.once("finish", () =>
    end({ method: req.method, route: routeOf(req), status: String(res.statusCode) }),
  );
  next();
}

/** Records an answer of the fast path in front of express (server/fastReads.ts). */
export function measureFastRead(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  startedAt: bigint,
) {
  requestDuration.observe(
    { method: req.method ?? "GET", route: "read cache", status: String(res.statusCode) },
    Number(process.hrtime.bigint() - startedAt) / 1e9,
  );
}

interface WatchedIo {
  engine: { clientsCount: number };
  of(ns: string): { adapter: { rooms: Map<string, unknown> } };
}
const watched = new Set<WatchedIo>();
new client.Gauge({
  name: "socketio_connected_sockets",
  help: "Sockets connected to this instance.",
  registers: [registry],
  collect() {
    this.set([...watched].reduce((n, io) => n + io.engine.clientsCount, 0));
  },
});
new client.Gauge({
  name: "socketio_rooms",
  help: "Rooms with a socket of this instance (each socket's own room included).",
  registers: [registry],
  collect() {
    this.set([...watched].reduce((n, io) => n + io.of("/").adapter.rooms.size, 0));
  },
});

/** Counts a socket.io server's sockets and rooms in the metrics; returns what stops it. */
export function watchSockets(io: WatchedIo): () => void {
  watched.add(io);
  return () => watched.delete(io);
}

/** Times every command a connection's driver sends (mongoose `monitorCommands: true`). */
export function watchCommands(connection: mongoose.Connection) {
  const c = connection.getClient();
  c.on("commandSucceeded", (e) =>
    engineDuration.observe({ command: e.commandName, outcome: "ok" }, e.duration / 1000),
  );
  c.on("commandFailed", (e) =>
    engineDuration.observe({ command: e.commandName, outcome: "failed" }, e.duration / 1000),
  );
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * GET /metrics: on loopback (a request a proxy forwarded does not count as loopback), or with
 * `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time.
 */
export function metricsEndpoint(token: string | undefined) {
  const want = token ? crypto.createHash("sha256").update(token).digest() : null;
  return async (req: Request, res: Response) => {
    const local =
      LOOPBACK.has(req.socket.remoteAddress ?? "") && req.get("x-forwarded-for") === undefined;
    const given = /^Bearer (.+)$/.exec(req.get("authorization") ?? "")?.[1];
    const authorized =
      !!want &&
      !!given &&
      crypto.timingSafeEqual(want, crypto.createHash("sha256").update(given).digest());
    if (!local && !authorized) {
      res.status(401).json({
        error: {
          code: "unauthenticated",
          message: "Metrics are answered on loopback, or with the METRICS_TOKEN bearer token.",
        },
      });
      return;
    }
    res.set("Content-Type", registry.contentType);
    res.set("Cache-Control", "no-store");
    res.send(await registry.metrics());
  };
}
