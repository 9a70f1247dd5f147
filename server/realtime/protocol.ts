import { z } from "zod";
import type { Server, Socket } from "socket.io";
import type { ApiComment } from "../presenters/comment";
import type { Viewer } from "../policies";
import { siteSlug, threadKey } from "../validation";

// Client payloads. Each emit is parsed with one of these before anything else happens.

/** `auth` of the handshake (also read from the query, for clients that cannot set auth). */
export const handshakeSchema = z.object({
  /** The session token; anonymous readers leave it out. */
  token: z.string().min(1).max(200).optional(),
  /** The site of the page that connects; required when the Origin is not the service's own. */
  site: siteSlug.optional(),
});

export const threadJoinSchema = z
  .object({
    site: siteSlug,
    key: threadKey,
    /** The last seq the client saw in this thread; events after it come back in the ack. */
    since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  })
  .strict();

export const threadLeaveSchema = z.object({ site: siteSlug, key: threadKey }).strict();

export const moderationJoinSchema = z.object({ site: siteSlug }).strict();

export type ThreadJoin = z.infer<typeof threadJoinSchema>;

// Server events. Events to a thread's room carry `seq`; events sent only to one author's
// sockets (a held comment) carry none, as they are not part of the thread's public log.

export interface ThreadRef {
  site: string;
  key: string;
}

export type CommentEvent = ThreadRef & { seq?: number; comment: ApiComment };
export type CommentDeletedEvent = ThreadRef & { seq?: number; id: string };
export type CommentVotedEvent = ThreadRef & { seq: number; id: string; score: number };
/** A thread event as emitted to its room and kept in the log. */
export type LoggedEvent =
  | { type: "comment:created" | "comment:updated"; payload: CommentEvent & { seq: number } }
  | { type: "comment:deleted"; payload: CommentDeletedEvent & { seq: number } }
  | { type: "comment:voted"; payload: CommentVotedEvent };

export interface ServerToClientEvents {
  "comment:created": (event: CommentEvent) => void;
  "comment:updated": (event: CommentEvent) => void;
  "comment:deleted": (event: CommentDeletedEvent) => void;
  "comment:voted": (event: CommentVotedEvent) => void;
  "thread:count": (event: ThreadRef & { commentCount: number; readers: number }) => void;
  "queue:added": (event: { comment: ApiComment }) => void;
  "queue:resolved": (event: { id: string; action: string; by: string | null }) => void;
}

/** Handlers read their arguments themselves: a client may send anything, or nothing. */
type ClientEmit = (...args: unknown[]) => void;
export interface ClientToServerEvents {
  "thread:join": ClientEmit;
  "thread:leave": ClientEmit;
  "moderation:join": ClientEmit;
  "moderation:leave": ClientEmit;
}

export interface InterServerEvents {
  /** Asks every other instance how many sockets it holds in a room. */
  "realtime:readers": (room: string, reply: (count: number) => void) => void;
}

export interface SocketData {
  viewer: Viewer;
  /** The site named at the handshake; the socket may only join that site's rooms. Null: any. */
  site: string | null;
  /** Token bucket for this socket's emits. */
  tokens: number;
  refilledAt: number;
}

export interface AckError {
  ok: false;
  error: { code: string; message: string };
}
export type Ack = (response: ({ ok: true } & Record<string, unknown>) | AckError) => void;

export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
