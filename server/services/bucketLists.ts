import { BucketList, type BucketListDoc } from "../../models/BucketList";

/** Members per bucket: one page query returns at most this many documents. */
export const LIST_BUCKET = 50;

/** Where a member sits: its bucket's key (stored on the member) and its number in the list. */
export interface ListPlace {
  key: string;
  seq: number;
}

export const bucketKey = (list: string, bucket: number) => `${list}#${bucket}`;

function parseKey(key: string): { list: string; bucket: number } | null {
  const at = key.lastIndexOf("#");
  const bucket = Number(key.slice(at + 1));
  return at > 0 && Number.isInteger(bucket) ? { list: key.slice(0, at), bucket } : null;
}

/** Numbers a new member of `list` (one atomic upsert) and says where it goes. */
export async function enterList(list: string, owner: string): Promise<ListPlace> {
  const doc = await BucketList.findOneAndUpdate(
    { _id: list },
    { $inc: { next: 1 }, $setOnInsert: { owner, left: {} } },
    { upsert: true, returnDocument: "after" },
  ).lean();
  const seq = doc!.next - 1;
  return { key: bucketKey(list, Math.floor(seq / LIST_BUCKET)), seq };
}

/** Records that a member moved out of the bucket `key`; call it only once the move is stored. */
export async function leaveList(key: string | null | undefined): Promise<void> {
  const parsed = key ? parseKey(key) : null;
  if (!parsed) return;
  await BucketList.updateOne({ _id: parsed.list }, { $inc: { [`left.${parsed.bucket}`]: 1 } });
}

/** The buckets of a list that may still hold members, newest first or oldest first. */
export function liveBuckets(
  list: Pick<BucketListDoc, "_id" | "next" | "left"> | null,
  order: "newest" | "oldest",
  from?: number,
): string[] {
  if (!list || list.next === 0) return [];
  const last = Math.floor((list.next - 1) / LIST_BUCKET);
  const keys: string[] = [];
  const live = (b: number) => {
    const received = Math.min(LIST_BUCKET, list.next - b * LIST_BUCKET);
    return received - (list.left?.[String(b)] ?? 0) > 0;
  };
  if (order === "newest") {
    for (let b = Math.min(from ?? last, last); b >= 0; b--)
      if (live(b)) keys.push(bucketKey(list._id, b));
  } else {
    for (let b = Math.max(from ?? 0, 0); b <= last; b++)
      if (live(b)) keys.push(bucketKey(list._id, b));
  }
  return keys;
}

export const bucketOf = (key: string) => parseKey(key)?.bucket ?? 0;

/**
 * Reads a list page by page of buckets: `fetch` returns one bucket's members (one equality query),
 * `accept` keeps those that belong to the page (after the cursor, still in the list), and reading
 * stops as soon as `want` members (plus one, to know there are more) are collected.
 */
export async function readList<T extends { seq: number }>(
  keys: string[],
  order: "newest" | "oldest",
  want: number,
  fetch: (key: string) => Promise<T[]>,
  accept: (member: T) => boolean,
): Promise<{ members: T[]; more: boolean }> {
  const collected: T[] = [];
  for (const key of keys) {
    const members = (await fetch(key)).filter(accept);
    members.sort((a, b) => (order === "newest" ? b.seq - a.seq : a.seq - b.seq));
    collected.push(...members);
    if (collected.length > want) break;
  }
  return { members: collected.slice(0, want), more: collected.length > want };
}
