import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import { makeApp } from "../support/app";
import { attachRealtime, type RealtimeOptions } from "../../server/realtime";
import { connectRedisAdapter } from "../../server/realtime/redis";
import { connectReadCacheDrops } from "../../server/readCache";

/**
 * One service instance as main.ts builds it (HTTP API and socket.io on one server, port 0),
 * on the test file's mongoose connection, so several instances can share one database.
 */
export async function startInstance(
  opts: { redisUrl?: string } & Partial<Pick<RealtimeOptions, "eventWindow" | "limits">> = {},
) {
  const { app, config, events, readCache } = makeApp();
  // TEST_LOG_LEVEL=debug shows the realtime layer's logs when a test needs explaining.
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const server = http.createServer(app);
  const redis = opts.redisUrl ? await connectRedisAdapter(opts.redisUrl, logger) : null;
  const closeCacheDrops = redis ? connectReadCacheDrops(readCache, redis.pub, logger) : null;
  const realtime = attachRealtime(server, {
    config,
    logger,
    events,
    adapter: redis?.adapter,
    eventWindow: opts.eventWindow,
    limits: opts.limits,
    countDelayMs: 50,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: ClientSocket[] = [];
  return {
    url,
    config,
    events,
    realtime,
    readCache,
    /** A client socket on this instance; resolves once connected, rejects on connect_error. */
    async connect(
      opts: { token?: string; site?: string; origin?: string; cookie?: string } = {},
    ): Promise<ClientSocket> {
      const auth: Record<string, string> = {};
      if (opts.token) auth.token = opts.token;
      if (opts.site) auth.site = opts.site;
      const socket = connectClient(url, {
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
        auth,
        extraHeaders: {
          ...(opts.origin ? { origin: opts.origin } : {}),
          ...(opts.cookie ? { cookie: opts.cookie } : {}),
        },
      });
      clients.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", (err) => reject(err));
      });
      return socket;
    },
    /** JSON over real HTTP to this instance. */
    async request(method: string, path: string, body?: unknown, token?: string) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await realtime.close();
      closeCacheDrops?.();
      await redis?.close();
      server.closeAllConnections();
    },
  };
}

export type Instance = Awaited<ReturnType<typeof startInstance>>;

/** The next `event` on `socket` that satisfies `match`; rejects after a generous timeout. */
export function nextEvent<T = Record<string, unknown>>(
  socket: ClientSocket,
  event: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Records every `event` the socket receives, in order. */
export function record<T = Record<string, unknown>>(socket: ClientSocket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Emits and waits for the ack. */
export function ask(socket: ClientSocket, event: string, ...args: unknown[]) {
  return socket.timeout(10_000).emitWithAck(event, ...args) as Promise<Record<string, unknown>>;
}

/** Posts a comment as a guest (or as the token's user). */
export function postComment(
  instance: Instance,
  site: string,
  key: string,
  body: string,
  token?: string,
) {
  return instance.request(
    "POST",
    `/api/v1/sites/${site}/threads/${key}/comments`,
    token ? { body } : { body, guest: { name: "Guest", email: "guest.secret@example.com" } },
    token,
  );
}
