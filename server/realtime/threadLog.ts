import { forInserts, insertEach, isDuplicateKey } from "../database";
import type { Types } from "mongoose";
import { Thread, type ThreadDoc } from "../../models/Thread";
import {
  EVENT_BUCKET,
  eventBucket,
  ThreadEvent,
  type ThreadEventDoc,
} from "../../models/ThreadEvent";
import type { LoggedEvent } from "./protocol";

/** Events kept per thread for reconnecting clients (docs/realtime.md). */
export const DEFAULT_EVENT_WINDOW = 500;

const eventId = (thread: Types.ObjectId, seq: number) => `${thread.toHexString()}:${seq}`;

/**
 * Allocates the thread's next seq (an atomic $inc on the thread), stores the event with it and
 * returns the event to emit, seq set. Null when the thread is gone. Callers serialize per thread, so one
 * instance stores and emits a thread's events in seq order.
 */
export async function appendThreadEvent(
  thread: Types.ObjectId,
  event: LoggedEvent,
  window: number,
): Promise<LoggedEvent | null> {
  for (let attempt = 0; ; attempt++) {
    const counted = await Thread.findOneAndUpdate(
      { _id: thread },
      { $inc: { seq: 1 } },
      // No projection: the engine does not implement one on findAndModify.
      { returnDocument: "after" },
    ).lean();
    if (!counted) return null;
    const seq = counted.seq;
    const payload = { ...event.payload, seq };
    try {
      await ThreadEvent.create({
        _id: eventId(thread, seq),
        thread,
        seq,
        bucket: eventBucket(thread, seq),
        type: event.type,
        payload,
      });
    } catch (err) {
      // FerretDB can hand two instances the same $inc result; the unique _id lets one of them
      // win and the other take the next number.
      if (isDuplicateKey(err) && attempt < 5) continue;
      throw err;
    }
    prune(thread, seq, window);
    return { type: event.type, payload } as LoggedEvent;
  }
}

/**
 * Stores several events of one thread at once: one $inc hands out their consecutive seqs and one
 * insert stores them (the posts that arrive together on the single write connection). An event
 * whose seq another instance took meanwhile (FerretDB can hand two instances the same $inc
 * result) is stored again on its own with the next seq. Returns the events to emit, in seq order
 * and in their input positions; null where the thread is gone.
 */
export async function appendThreadEvents(
  thread: Types.ObjectId,
  events: LoggedEvent[],
  window: number,
): Promise<(LoggedEvent | null)[]> {
  if (events.length === 0) return [];
  if (events.length === 1) return [await appendThreadEvent(thread, events[0]!, window)];
  const counted = await Thread.findOneAndUpdate(
    { _id: thread },
    { $inc: { seq: events.length } },
    { returnDocument: "after" },
  ).lean();
  if (!counted) return events.map(() => null);
  const first = counted.seq - events.length + 1;
  const stored = events.map(
    (e, i) => ({ type: e.type, payload: { ...e.payload, seq: first + i } }) as LoggedEvent,
  );
  const docs = stored.map((e, i) => ({
    _id: eventId(thread, first + i),
    thread,
    seq: first + i,
    bucket: eventBucket(thread, first + i),
    type: e.type,
    payload: e.payload,
    createdAt: new Date(),
  }));
  const out: (LoggedEvent | null)[] = [...stored];
  const refused = await insertEach(forInserts(ThreadEvent).collection, docs);
  for (const [i, err] of refused) {
    if (!isDuplicateKey(err)) throw err;
    out[i] = await appendThreadEvent(thread, events[i]!, window);
  }
  for (let seq = first; seq < first + events.length; seq++) prune(thread, seq, window);
  return out;
}

function prune(thread: Types.ObjectId, seq: number, window: number) {
  if (seq % EVENT_BUCKET !== 0 || seq <= window + EVENT_BUCKET) return;
  // A whole bucket has fallen out of the window: one bucket's delete, not awaited by the emit
  // path, so a slow prune never delays live events.
  void ThreadEvent.deleteMany({ bucket: eventBucket(thread, seq - window - EVENT_BUCKET) }).catch(
    () => undefined,
  );
}

/**
 * The events after `since`, in seq order. `truncated` says some were pruned (or `since` is
 * unknown to this thread): the client must reload the thread over HTTP.
 */
export async function readThreadEvents(
  thread: Pick<ThreadDoc, "_id" | "seq">,
  since: number,
  window: number,
): Promise<{ events: LoggedEvent[]; seq: number; truncated: boolean }> {
  if (since > thread.seq) {
    return { events: [], seq: await latestStoredSeq(thread), truncated: true };
  }
  if (since === thread.seq) return { events: [], seq: since, truncated: false };
  // Further back than the window: the client reloads over HTTP; it still gets the window.
  const from = Math.max(since, thread.seq - window);
  // One bucket of the thread's events per query, from the one holding from + 1.
  const docs: ThreadEventDoc[] = [];
  for (let seq = from + 1; seq <= thread.seq + EVENT_BUCKET - 1; seq += EVENT_BUCKET) {
    if (Math.floor(seq / EVENT_BUCKET) > Math.floor(thread.seq / EVENT_BUCKET)) break;
    const bucket = await ThreadEvent.find({ bucket: eventBucket(thread._id, seq) }).lean();
    docs.push(...bucket.filter((d) => d.seq > from));
  }
  docs.sort((a, b) => a.seq - b.seq);
  const events = docs.map((d) => ({ type: d.type, payload: d.payload }) as unknown as LoggedEvent);
  // Events from since+1 on are kept, unless the first of them was pruned. A seq allocated but
  // not stored yet is in flight and will reach the (already joined) room live.
  const first = docs[0]?.seq;
  const truncated = from > since || (first !== undefined ? first > since + 1 : false);
  return { events, seq: docs[docs.length - 1]?.seq ?? since, truncated };
}

/**
 * The highest seq whose event is stored. Thread.seq may be ahead by events in flight (allocated,
 * not yet stored); those still reach the room live, so the client must not count them as seen.
 */
export async function latestStoredSeq(thread: Pick<ThreadDoc, "_id" | "seq">): Promise<number> {
  if (thread.seq === 0) return 0;
  // _id lookups, the cheapest read the engine has; the newest is nearly always stored.
  if (await ThreadEvent.exists({ _id: eventId(thread._id, thread.seq) })) return thread.seq;
  const candidates = [1, 2, 3].map((i) => thread.seq - i).filter((s) => s > 0);
  const found = await Promise.all(
    candidates.map((s) => ThreadEvent.exists({ _id: eventId(thread._id, s) })),
  );
  const i = found.findIndex((f) => f !== null);
  return i === -1 ? Math.max(0, thread.seq - 4) : candidates[i]!;
}
