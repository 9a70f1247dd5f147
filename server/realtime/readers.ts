import type { Logger } from "pino";
import { eventsSent } from "../metrics";
import { Thread } from "../../models/Thread";
import { forReads } from "../database";
import type { RealtimeServer } from "./protocol";
import { threadRoom } from "./rooms";

/**
 * Sends `thread:count` (approved comments and live readers) to a thread's room. Counts are
 * throttled per thread: a burst of joins or approvals makes one update, not one per change.
 * With several instances, readers are summed over all of them (serverSideEmit through Redis).
 */
export class ReaderCounts {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The update being sent per room: the next one waits for it, so counts never arrive stale. */
  private readonly sending = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly io: RealtimeServer,
    private readonly logger: Logger,
    private readonly opts: { clustered: boolean; delayMs: number; remoteTimeoutMs: number },
  ) {
    if (opts.clustered) {
      io.on("realtime:readers", (room, reply) => {
        if (typeof reply === "function") reply(this.local(room));
      });
    }
  }

  /** Sockets of this instance in a room. */
  local(room: string): number {
    return this.io.of("/").adapter.rooms.get(room)?.size ?? 0;
  }

  /** Sockets in a room across every instance. */
  async readers(room: string): Promise<number> {
    const local = this.local(room);
    if (!this.opts.clustered) return local;
    const remote = await new Promise<number[]>((resolve) => {
      // The adapter times slow answers out; this timer also covers a Redis that is down, where
      // the adapter never calls back. A dead instance has no readers.
      const timer = setTimeout(() => resolve([]), this.opts.remoteTimeoutMs);
      this.io.serverSideEmit("realtime:readers", room, (_err: Error | null, counts: number[]) => {
        clearTimeout(timer);
        resolve(Array.isArray(counts) ? counts : []);
      });
    });
    return remote.reduce((sum, n) => sum + (Number.isFinite(n) ? n : 0), local);
  }

  /** Sends the thread's count soon; repeated calls before then send one update. */
  schedule(site: string, key: string): void {
    const room = threadRoom(site, key);
    if (this.closed || this.timers.has(room)) return;
    const timer = setTimeout(() => {
      this.timers.delete(room);
      const next = (this.sending.get(room) ?? Promise.resolve())
        .then(() => this.send(site, key, room))
        .catch((err: unknown) => this.logger.warn({ err, site, key }, "thread:count failed"))
        .finally(() => {
          if (this.sending.get(room) === next) this.sending.delete(room);
        });
      this.sending.set(room, next);
    }, this.opts.delayMs);
    timer.unref();
    this.timers.set(room, timer);
  }

  private async send(site: string, key: string, room: string): Promise<void> {
    const [readers, thread] = await Promise.all([
      this.readers(room),
      forReads(Thread).findOne({ key, site }, { commentCount: 1 }).lean(),
    ]);
    eventsSent.inc({ event: "thread:count" });
    this.io.to(room).emit("thread:count", {
      site,
      key,
      commentCount: thread?.commentCount ?? 0,
      readers,
    });
  }

  /** Cancels pending updates; sockets leaving during shutdown schedule none. */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
