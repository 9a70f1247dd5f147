import { EventEmitter } from "node:events";
import type { CommentDoc } from "../models/Comment";
import type { ThreadDoc } from "../models/Thread";

/**
 * What services announce after a change is stored. The realtime layer decides rooms and
 * presents; services never touch sockets.
 */
export interface DomainEventMap {
  "comment.created": { comment: CommentDoc; thread: ThreadDoc };
  /** Edited, or its status changed (approved, held, rejected, pinned…). */
  "comment.updated": {
    comment: CommentDoc;
    thread: ThreadDoc;
    previousStatus: CommentDoc["status"];
  };
  "comment.deleted": {
    comment: CommentDoc;
    thread: ThreadDoc;
    previousStatus: CommentDoc["status"];
    /** The user who deleted it (its author or a moderator), when known. */
    by?: string;
  };
  "comment.voted": { comment: CommentDoc };
  "comment.moderated": {
    comment: CommentDoc;
    thread: ThreadDoc;
    action: string;
    by: string;
    previousStatus: CommentDoc["status"];
  };
  "thread.updated": { thread: ThreadDoc };
  /** Its settings, name or origins changed: every page of the site may read differently. */
  "site.updated": { site: string };
  "session.revoked": { sessionId: string; userId: string };
  "user.banned": { site: string; userId: string };
  /** A ban on the site was made or lifted. */
  "bans.changed": { site: string };
}

export class DomainEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(50);
  }

  on<K extends keyof DomainEventMap>(name: K, listener: (event: DomainEventMap[K]) => void): void {
    this.emitter.on(name, listener);
  }

  off<K extends keyof DomainEventMap>(name: K, listener: (event: DomainEventMap[K]) => void): void {
    this.emitter.off(name, listener);
  }

  publish<K extends keyof DomainEventMap>(name: K, event: DomainEventMap[K]): void {
    this.emitter.emit(name, event);
  }
}
