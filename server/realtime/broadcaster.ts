import type { Types } from "mongoose";
import { eventsSent } from "../metrics";
import type { Logger } from "pino";
import type { CommentDoc, CommentStatus } from "../../models/Comment";
import type { UserDoc } from "../../models/User";
import type { DomainEventMap, DomainEvents } from "../events";
import { anonymousViewer, canSeeComment, type Viewer } from "../policies";
import { presentComment } from "../presenters/comment";
import type { LoggedEvent, RealtimeServer } from "./protocol";
import type { ReaderCounts } from "./readers";
import { moderationRoom, sessionRoom, siteUserRoom, threadAuthorRoom, threadRoom } from "./rooms";
import { appendThreadEvent, appendThreadEvents } from "./threadLog";

/** One stored change to a comment, as the realtime layer sees it. */
interface Change {
  comment: CommentDoc;
  /** Null for a new comment. */
  previousStatus: CommentStatus | null;
  action: string | null;
  by: string | null;
}

const ACTION_FOR_STATUS: Partial<Record<CommentStatus, string>> = {
  approved: "approve",
  rejected: "reject",
  spam: "spam",
  deleted: "delete",
};

// Presenting through a stand-in viewer keeps presentComment the one place that decides what a
// moderator or an author may see; these users only carry what the policies read.
function moderatorViewer(site: string): Viewer {
  const user = { _id: null, roles: [{ site, role: "moderator" }] } as unknown as UserDoc;
  return { user, sessionId: null, ip: null };
}
function authorViewer(userId: Types.ObjectId): Viewer {
  const user = { _id: userId, roles: [] } as unknown as UserDoc;
  return { user, sessionId: null, ip: null };
}

/**
 * Turns domain events into socket events: decides the rooms, presents the comment for each
 * audience, gives public thread events their seq and stores them before emitting.
 */
export class Broadcaster {
  // Changes published in the same tick for the same comment (a moderation service may announce
  // "comment.moderated" and "comment.updated" for one approval) are merged into one.
  private pending = new Map<string, Change>();
  private flushScheduled = false;
  // Per-thread chains: this instance stores and emits a thread's events in seq order.
  private readonly chains = new Map<string, Promise<void>>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly io: RealtimeServer,
    private readonly events: DomainEvents,
    private readonly counts: ReaderCounts,
    private readonly logger: Logger,
    private readonly window: number,
  ) {
    this.listen("comment.created", (e) =>
      this.queue({ comment: e.comment, previousStatus: null, action: null, by: null }),
    );
    this.listen("comment.updated", (e) =>
      this.queue({ comment: e.comment, previousStatus: e.previousStatus, action: null, by: null }),
    );
    this.listen("comment.deleted", (e) =>
      this.queue({
        comment: e.comment,
        previousStatus: e.previousStatus,
        action: "delete",
        by: e.by ?? null,
      }),
    );
    this.listen("comment.moderated", (e) =>
      this.queue({
        comment: e.comment,
        previousStatus: e.previousStatus,
        action: e.action,
        by: e.by,
      }),
    );
    this.listen("comment.voted", (e) => this.voted(e.comment));
    this.listen("thread.updated", (e) => this.counts.schedule(e.thread.site, e.thread.key));
    // Rooms make these reach every instance's sockets through the adapter.
    this.listen("session.revoked", (e) => {
      this.io.in(sessionRoom(e.sessionId)).disconnectSockets(true);
    });
    this.listen("user.banned", (e) => {
      this.io.in(siteUserRoom(e.site, e.userId)).disconnectSockets(true);
    });
  }

  private listen<K extends keyof DomainEventMap>(
    name: K,
    handler: (event: DomainEventMap[K]) => void,
  ) {
    const safe = (event: DomainEventMap[K]) => {
      try {
        handler(event);
      } catch (err) {
        // A realtime failure must never fail the request that published the event.
        this.logger.error({ err, event: name }, "realtime handler failed");
      }
    };
    this.events.on(name, safe);
    this.unsubscribe.push(() => this.events.off(name, safe));
  }

  private queue(change: Change): void {
    const id = change.comment._id.toHexString();
    const earlier = this.pending.get(id);
    this.pending.set(
      id,
      earlier
        ? {
            comment: change.comment,
            // The state readers last saw is the one before the first of the merged changes.
            previousStatus: earlier.previousStatus,
            action: change.action ?? earlier.action,
            by: change.by ?? earlier.by,
          }
        : change,
    );
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const changes = [...this.pending.values()];
      this.pending = new Map();
      // One task per thread: its public events of this tick are stored with one write.
      const byThread = new Map<string, Change[]>();
      for (const c of changes) {
        const id = c.comment.thread.toHexString();
        byThread.set(id, [...(byThread.get(id) ?? []), c]);
      }
      for (const group of byThread.values()) {
        this.inThreadOrder(group[0]!.comment.thread, () => this.applyAll(group));
      }
    });
  }

  private inThreadOrder(thread: Types.ObjectId, task: () => Promise<void>): void {
    const key = thread.toHexString();
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(task)
      .catch((err: unknown) => this.logger.error({ err, thread: key }, "realtime event failed"));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  /** Stores a public thread event under its seq (the `seq: 0` it carries is replaced), then emits it. */
  private async emitLogged(thread: Types.ObjectId, event: LoggedEvent): Promise<void> {
    const stored = await appendThreadEvent(thread, event, this.window);
    if (stored) this.emitStored(stored);
  }

  private emitStored(stored: LoggedEvent): void {
    const { site, key } = stored.payload;
    const room = this.io.to(threadRoom(site, key));
    eventsSent.inc({ event: stored.type });
    // One case per event name, so each payload is checked against its event's type.
    switch (stored.type) {
      case "comment:created":
        room.emit("comment:created", stored.payload);
        break;
      case "comment:updated":
        room.emit("comment:updated", stored.payload);
        break;
      case "comment:deleted":
        room.emit("comment:deleted", stored.payload);
        break;
      case "comment:voted":
        room.emit("comment:voted", stored.payload);
        break;
    }
  }

  /** A thread's changes of one tick: their public events stored together, then every emit in order. */
  private async applyAll(changes: Change[]): Promise<void> {
    const events = changes.map((c) => this.publicEvent(c));
    const logged = events.filter((e): e is LoggedEvent => e !== null);
    const stored = await appendThreadEvents(changes[0]!.comment.thread, logged, this.window);
    for (const e of stored
      .filter((x): x is LoggedEvent => x !== null)
      .sort((a, b) => a.payload.seq - b.payload.seq)) {
      this.emitStored(e);
    }
    for (const c of changes) this.privateEmits(c);
  }

  /**
   * Readers see approved comments only: a comment appearing or disappearing for them is a create
   * or a delete, whatever its status was or became. Null when readers see no change.
   */
  private publicEvent(change: Change): LoggedEvent | null {
    const { comment, previousStatus } = change;
    const site = comment.site;
    const key = comment.threadKey;
    const isPublic = comment.status === "approved";
    const wasPublic = previousStatus === "approved";
    if (isPublic !== wasPublic) this.counts.schedule(site, key);
    const publicView = () => presentComment(comment, { viewer: anonymousViewer });
    if (isPublic && !wasPublic) {
      return { type: "comment:created", payload: { site, key, comment: publicView(), seq: 0 } };
    }
    if (isPublic && wasPublic) {
      return { type: "comment:updated", payload: { site, key, comment: publicView(), seq: 0 } };
    }
    if (!isPublic && wasPublic) {
      return {
        type: "comment:deleted",
        payload: { site, key, id: comment._id.toHexString(), seq: 0 },
      };
    }
    return null;
  }

  /** What the author's own sockets and the moderation room are sent. */
  private privateEmits(change: Change): void {
    const { comment, previousStatus } = change;
    const site = comment.site;
    const key = comment.threadKey;
    const id = comment._id.toHexString();
    const isPublic = comment.status === "approved";

    // The author follows their own held comment on their own sockets, outside the public log:
    // created when it appears in their view, deleted when it leaves it (rejected, say).
    const authorId = comment.author.user;
    if (authorId) {
      const viewer = authorViewer(authorId);
      const privateNow =
        !isPublic && comment.status !== "deleted" && canSeeComment(viewer, comment);
      const privateBefore = previousStatus === "pending";
      const room = this.io.to(threadAuthorRoom(site, key, authorId.toHexString()));
      if (privateNow) {
        const own = presentComment(comment, { viewer });
        eventsSent.inc({ event: privateBefore ? "comment:updated" : "comment:created" });
        room.emit(privateBefore ? "comment:updated" : "comment:created", {
          site,
          key,
          comment: own,
        });
      } else if (privateBefore && !isPublic) {
        eventsSent.inc({ event: "comment:deleted" });
        room.emit("comment:deleted", { site, key, id });
      }
    }

    // The moderation queue holds pending comments.
    if (comment.status === "pending" && previousStatus !== "pending") {
      eventsSent.inc({ event: "queue:added" });
      this.io.to(moderationRoom(site)).emit("queue:added", {
        comment: presentComment(comment, { viewer: moderatorViewer(site) }),
      });
    } else if (previousStatus === "pending" && comment.status !== "pending") {
      eventsSent.inc({ event: "queue:resolved" });
      this.io.to(moderationRoom(site)).emit("queue:resolved", {
        id,
        action: change.action ?? ACTION_FOR_STATUS[comment.status] ?? comment.status,
        by: change.by,
      });
    }
  }

  private voted(comment: CommentDoc): void {
    if (comment.status !== "approved") return;
    const { site, threadKey: key } = comment;
    this.inThreadOrder(comment.thread, () =>
      this.emitLogged(comment.thread, {
        type: "comment:voted",
        payload: { site, key, id: comment._id.toHexString(), score: comment.score, seq: 0 },
      }),
    );
  }

  /** Stops listening and waits for events already being stored to be emitted. */
  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await Promise.allSettled([...this.chains.values()]);
  }
}
