import { parse as parseCookie } from "cookie";
import type { Logger } from "pino";
import type { ExtendedError } from "socket.io";
import type { z } from "zod";
import type { Config } from "../../config";
import { resolveToken } from "../../auth/sessions";
import { AppError, ForbiddenError, UnauthenticatedError, ValidationError } from "../errors";
import { SESSION_COOKIE } from "../middleware/authenticate";
import { canModerate, type Viewer } from "../policies";
import { allowedOrigins, getSite } from "../services/sites";
import { takeToken, type SocketLimits } from "./limits";
import {
  handshakeSchema,
  moderationJoinSchema,
  threadJoinSchema,
  threadLeaveSchema,
  type Ack,
  type AckError,
  type RealtimeSocket,
} from "./protocol";
import type { ReaderCounts } from "./readers";
import {
  moderationRoom,
  parseThreadRoom,
  sessionRoom,
  siteUserRoom,
  threadAuthorRoom,
  threadRoom,
  userRoom,
} from "./rooms";
import type { ThreadJoinReads } from "./joinReads";

export interface ConnectionDeps {
  config: Config;
  logger: Logger;
  counts: ReaderCounts;
  limits: SocketLimits;
  window: number;
  joinReads: ThreadJoinReads;
}

class TooManyRoomsError extends AppError {
  constructor(max: number) {
    super(429, "too_many_rooms", `A connection may join at most ${max} rooms of this kind.`);
  }
}
class RateLimitedEmitError extends AppError {
  constructor() {
    super(429, "rate_limited", "Too many events from this connection; slow down.");
  }
}
class UnknownEventError extends AppError {
  constructor(name: string) {
    super(400, "unknown_event", `There is no event named ${JSON.stringify(name).slice(0, 80)}.`);
  }
}

function handshakeError(err: AppError): ExtendedError {
  const out = new Error(err.message) as ExtendedError;
  out.data = { code: err.code, message: err.message };
  return out;
}

/** The cs_session cookie of a handshake's Cookie header, if any. */
function sessionCookie(header: string | undefined): string | null {
  return (header ? parseCookie(header)[SESSION_COOKIE] : undefined) ?? null;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The handshake: checks the Origin against the site's allowed origins and resolves the session
 * token. A socket with no Origin header is not a browser page (browsers always send one
 * cross-origin), so it is let through like any API client.
 */
export function handshake(deps: ConnectionDeps) {
  return async (socket: RealtimeSocket, next: (err?: ExtendedError) => void) => {
    try {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const parsed = handshakeSchema.safeParse({
        token: auth.token ?? undefined,
        site: auth.site ?? first(socket.handshake.query.site),
      });
      if (!parsed.success) throw new ValidationError(describe(parsed.error));
      const { token, site } = parsed.data;

      const origin = socket.handshake.headers.origin;
      if (origin !== undefined && origin !== deps.config.publicOrigin) {
        if (!site) {
          throw new ForbiddenError(
            "Name the site of this page in auth.site: the origin is checked against it.",
          );
        }
        const siteDoc = await getSite(site);
        if (!allowedOrigins(siteDoc, deps.config).includes(origin)) {
          throw new ForbiddenError("This origin may not connect to this site.");
        }
      }

      let viewer: Viewer = { user: null, sessionId: null, ip: socket.handshake.address ?? null };
      if (token !== undefined) {
        const session = await resolveToken(token);
        if (!session)
          throw new UnauthenticatedError("The session token is invalid, expired or revoked.");
        viewer = { ...viewer, user: session.user, sessionId: session.sessionId };
      } else if (origin === undefined || origin === deps.config.publicOrigin) {
        // Same-site pages such as /admin may rely on the session cookie, as over HTTP; never a
        // page of another origin. A stale cookie is ignored, so the page can still read.
        const cookie = sessionCookie(socket.handshake.headers.cookie);
        const session = cookie ? await resolveToken(cookie) : null;
        if (session) viewer = { ...viewer, user: session.user, sessionId: session.sessionId };
      }
      socket.data = {
        viewer,
        site: site ?? null,
        tokens: deps.limits.burst,
        refilledAt: Date.now(),
      };
      next();
    } catch (err) {
      if (err instanceof AppError) return next(handshakeError(err));
      deps.logger.error({ err }, "socket handshake failed");
      next(handshakeError(new AppError(500, "internal_error", "Something went wrong.")));
    }
  };
}

function describe(error: z.ZodError): string {
  const fields = error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`);
  return `Invalid payload (${fields.join("; ")}).`.slice(0, 500);
}

function ackError(err: AppError): AckError {
  return { ok: false, error: { code: err.code, message: err.message } };
}

type Handler = (payload: unknown) => Promise<Record<string, unknown>>;

/** Wires one connected socket's emits. */
export function onConnection(deps: ConnectionDeps, socket: RealtimeSocket): void {
  const { logger, limits } = deps;
  const viewer = socket.data.viewer;
  const userId = viewer.user?._id.toHexString() ?? null;

  if (viewer.user && userId) {
    // Logout and bans drop sockets through these rooms, on every instance.
    const rooms = [sessionRoom(viewer.sessionId!), userRoom(userId)];
    if (socket.data.site) rooms.push(siteUserRoom(socket.data.site, userId));
    void socket.join(rooms);
  }

  const roomsOf = (prefix: string) => [...socket.rooms].filter((r) => r.startsWith(prefix)).length;

  const checkSite = (site: string) => {
    if (socket.data.site !== null && socket.data.site !== site) {
      throw new ForbiddenError("This connection was opened for another site.");
    }
  };

  const joinThread: Handler = async (payload) => {
    const { site, key, since } = parse(threadJoinSchema, payload);
    checkSite(site);
    const room = threadRoom(site, key);
    if (!socket.rooms.has(room) && roomsOf("thread:") >= limits.maxThreads) {
      throw new TooManyRoomsError(limits.maxThreads);
    }
    await getSite(site);
    // Join before reading the log: whatever is stored after the read reaches the room live.
    const rooms = [room];
    if (userId) rooms.push(threadAuthorRoom(site, key, userId), siteUserRoom(site, userId));
    await socket.join(rooms);
    deps.counts.schedule(site, key);
    return { ...(await deps.joinReads.read(site, key, since ?? null)) };
  };

  const leaveThread: Handler = async (payload) => {
    const { site, key } = parse(threadLeaveSchema, payload);
    const room = threadRoom(site, key);
    if (!socket.rooms.has(room)) return {};
    await socket.leave(room);
    if (userId) await socket.leave(threadAuthorRoom(site, key, userId));
    deps.counts.schedule(site, key);
    return {};
  };

  const joinModeration: Handler = async (payload) => {
    const { site } = parse(moderationJoinSchema, payload);
    checkSite(site);
    if (!viewer.user) throw new UnauthenticatedError("Sign in as a moderator of this site.");
    if (!canModerate(viewer, site))
      throw new ForbiddenError("Only the site's moderators may join.");
    const room = moderationRoom(site);
    if (!socket.rooms.has(room) && roomsOf("moderation:") >= limits.maxModerationRooms) {
      throw new TooManyRoomsError(limits.maxModerationRooms);
    }
    await socket.join([room, siteUserRoom(site, viewer.user._id.toHexString())]);
    return {};
  };

  const leaveModeration: Handler = async (payload) => {
    const { site } = parse(moderationJoinSchema, payload);
    await socket.leave(moderationRoom(site));
    return {};
  };

  const handlers: Record<string, Handler> = {
    "thread:join": joinThread,
    "thread:leave": leaveThread,
    "moderation:join": joinModeration,
    "moderation:leave": leaveModeration,
  };

  // Every emit passes the same line: rate limit, find the handler, validate, act, acknowledge.
  socket.onAny((event: unknown, ...args: unknown[]) => {
    const ack = typeof args[args.length - 1] === "function" ? (args.pop() as Ack) : null;
    const reply: Ack = (response) => {
      if (ack) ack(response);
    };
    if (!takeToken(socket.data, limits)) return reply(ackError(new RateLimitedEmitError()));
    const handler = typeof event === "string" ? handlers[event] : undefined;
    if (!handler || !Object.hasOwn(handlers, event as string)) {
      return reply(ackError(new UnknownEventError(String(event))));
    }
    handler(args[0]).then(
      (result) => reply({ ok: true, ...result }),
      (err: unknown) => {
        if (err instanceof AppError) return reply(ackError(err));
        logger.error({ err, event }, "socket event failed");
        reply(ackError(new AppError(500, "internal_error", "Something went wrong.")));
      },
    );
  });

  socket.on("disconnecting", () => {
    // Readers' counts drop for every thread the socket was in.
    for (const room of socket.rooms) {
      const thread = parseThreadRoom(room);
      if (thread) deps.counts.schedule(thread.site, thread.key);
    }
  });
}

function parse<T extends z.ZodType>(schema: T, payload: unknown): z.infer<T> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ValidationError(describe(parsed.error));
  return parsed.data;
}
