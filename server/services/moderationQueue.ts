import type { CommentDoc, CommentStatus } from "../../models/Comment";
import { enterList, leaveList, type ListPlace } from "./bucketLists";

/** Statuses that wait in a moderation list of their own. */
export const QUEUED_STATUSES = ["pending", "spam", "rejected"] as const;
export type QueuedStatus = (typeof QUEUED_STATUSES)[number];

export const isQueued = (status: CommentStatus): status is QueuedStatus =>
  (QUEUED_STATUSES as readonly string[]).includes(status);

export const queueList = (site: string, status: QueuedStatus) => `queue:${site}:${status}`;
export const flaggedList = (site: string) => `flagged:${site}`;
export const logList = (site: string) => `log:${site}`;

/** Flags matter while a moderator may still act on them: on published or held comments. */
export const showsFlags = (status: CommentStatus) => status === "approved" || status === "pending";

/** The queue fields of a comment entering `status` (a numbered place in its list, or none). */
export async function queuePlace(
  site: string,
  status: CommentStatus,
): Promise<Pick<CommentDoc, "queue" | "queueSeq">> {
  if (!isQueued(status)) return { queue: null, queueSeq: null };
  const place: ListPlace = await enterList(queueList(site, status), site);
  return { queue: place.key, queueSeq: place.seq };
}

/** After a comment's move is stored: its departures from the lists it was in are counted. */
export async function leftQueues(
  before: Pick<CommentDoc, "queue" | "flagQueue">,
  after: Pick<CommentDoc, "queue" | "flagQueue">,
): Promise<void> {
  if (before.queue && before.queue !== after.queue) await leaveList(before.queue);
  if (before.flagQueue && before.flagQueue !== after.flagQueue) await leaveList(before.flagQueue);
}

/** A place in the site's flagged list, for a comment's first flag. */
export async function flaggedPlace(
  site: string,
): Promise<Pick<CommentDoc, "flagQueue" | "flagSeq">> {
  const place = await enterList(flaggedList(site), site);
  return { flagQueue: place.key, flagSeq: place.seq };
}
