import { Thread, type ThreadDoc } from "../../models/Thread";
import type { LoggedEvent } from "./protocol";
import { latestStoredSeq, readThreadEvents } from "./threadLog";

export interface JoinRead {
  seq: number;
  missed: LoggedEvent[];
  truncated: boolean;
}

interface Waiter {
  since: number | null;
  resolve: (r: JoinRead) => void;
  reject: (err: unknown) => void;
}

/**
 * Joins of one thread share their reads of it: the thread and its log are read once for every
 * join waiting, from the earliest `since` among them. A read serves only joins that entered the
 * room before it began (the next read takes the rest), so an event stored after the read reaches
 * each of them live: nothing is lost between the read and the room. 1,000 readers reconnecting
 * at once cost a few reads, not 1,000.
 */
export class ThreadJoinReads {
  private readonly threads = new Map<string, { queue: Waiter[]; running: boolean }>();

  constructor(private readonly window: number) {}

  /** Call once the socket has joined the thread's room. */
  read(site: string, key: string, since: number | null): Promise<JoinRead> {
    const id = `${site}\u0000${key}`;
    let state = this.threads.get(id);
    if (!state) this.threads.set(id, (state = { queue: [], running: false }));
    const done = new Promise<JoinRead>((resolve, reject) =>
      state.queue.push({ since, resolve, reject }),
    );
    if (!state.running) void this.run(id, site, key);
    return done;
  }

  private async run(id: string, site: string, key: string): Promise<void> {
    const state = this.threads.get(id)!;
    state.running = true;
    while (state.queue.length > 0) {
      const waiters = state.queue.splice(0);
      try {
        const thread = await Thread.findOne({ key, site }, { seq: 1 }).lean();
        const answers = await this.answer(thread, waiters);
        waiters.forEach((w, i) => w.resolve(answers[i]!));
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    state.running = false;
    this.threads.delete(id);
  }

  private async answer(
    thread: Pick<ThreadDoc, "_id" | "seq"> | null,
    waiters: Waiter[],
  ): Promise<JoinRead[]> {
    if (!thread) return waiters.map((w) => ({ seq: 0, missed: [], truncated: (w.since ?? 0) > 0 }));
    const sinces = waiters
      .map((w) => w.since)
      .filter((s): s is number => s !== null && s < thread.seq);
    // One read of the log from the earliest since (readThreadEvents bounds it by the window).
    const earliest = sinces.length ? Math.min(...sinces) : null;
    const shared = earliest === null ? null : await readThreadEvents(thread, earliest, this.window);
    let latest: number | null = null;
    const latestSeq = async () => (latest ??= await latestStoredSeq(thread));
    const out: JoinRead[] = [];
    for (const w of waiters) {
      if (w.since === null) out.push({ seq: await latestSeq(), missed: [], truncated: false });
      else if (w.since > thread.seq)
        out.push({ seq: await latestSeq(), missed: [], truncated: true });
      else if (w.since === thread.seq) out.push({ seq: w.since, missed: [], truncated: false });
      else {
        const s = w.since;
        const from = Math.max(s, thread.seq - this.window);
        const missed = shared!.events.filter((e) => e.payload.seq > from);
        const first = missed[0]?.payload.seq;
        out.push({
          seq: missed[missed.length - 1]?.payload.seq ?? s,
          missed,
          truncated: from > s || (first !== undefined && first > s + 1),
        });
      }
    }
    return out;
  }
}
