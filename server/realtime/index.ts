import type http from "node:http";
import { watchSockets } from "../metrics";
import type { Logger } from "pino";
import { Server } from "socket.io";
import type { Config } from "../../config";
import type { DomainEvents } from "../events";
import { Broadcaster } from "./broadcaster";
import { handshake, onConnection } from "./connections";
import { ThreadJoinReads } from "./joinReads";
import { DEFAULT_LIMITS, type SocketLimits } from "./limits";
import type { RealtimeServer } from "./protocol";
import { ReaderCounts } from "./readers";
import { DEFAULT_EVENT_WINDOW } from "./threadLog";

export interface RealtimeOptions {
  config: Config;
  logger: Logger;
  events: DomainEvents;
  /** A socket.io adapter for several instances (the Redis adapter); none for one instance. */
  adapter?: ReturnType<typeof import("@socket.io/redis-adapter").createAdapter>;
  /** Events kept per thread for reconnecting clients. */
  eventWindow?: number;
  limits?: Partial<SocketLimits>;
  /** How long thread:count waits to batch joins, leaves and approvals. */
  countDelayMs?: number;
}

export interface Realtime {
  io: RealtimeServer;
  /** Disconnects every socket, stops listening to domain events and closes the adapter. */
  close(): Promise<void>;
}

/**
 * Live updates: socket.io on the API's HTTP server (path /socket.io). Services publish domain
 * events; this layer decides rooms, presents and emits. See docs/realtime.md.
 */
export function attachRealtime(server: http.Server, opts: RealtimeOptions): Realtime {
  const io: RealtimeServer = new Server(server, {
    path: "/socket.io",
    serveClient: false,
    // Client payloads are a few hundred bytes; refuse anything large before parsing it.
    maxHttpBufferSize: 16 * 1024,
    // Polling requests need CORS; the Origin itself is checked in the handshake below, against
    // the site the socket names, which is not known yet when CORS is answered.
    cors: { origin: true, credentials: false },
    ...(opts.adapter ? { adapter: opts.adapter } : {}),
  });
  const window = opts.eventWindow ?? DEFAULT_EVENT_WINDOW;
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const counts = new ReaderCounts(io, opts.logger, {
    clustered: opts.adapter !== undefined,
    delayMs: opts.countDelayMs ?? 500,
    // A little over the adapter's own requestsTimeout (redis.ts), which answers first.
    remoteTimeoutMs: 1500,
  });
  const broadcaster = new Broadcaster(io, opts.events, counts, opts.logger, window);
  const deps = {
    config: opts.config,
    logger: opts.logger,
    counts,
    limits,
    window,
    joinReads: new ThreadJoinReads(window),
  };
  io.use(handshake(deps));
  io.on("connection", (socket) => onConnection(deps, socket));
  const unwatch = watchSockets(io);

  let closing: Promise<void> | null = null;
  return {
    io,
    close() {
      closing ??= (async () => {
        await broadcaster.close();
        counts.close();
        unwatch();
        // Also closes the HTTP server it is attached to.
        await io.close();
      })();
      return closing;
    },
  };
}
