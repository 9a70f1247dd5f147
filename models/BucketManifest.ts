import { Schema, Types, model } from "mongoose";

export interface ManifestEntry {
  id: Types.ObjectId;
  /** The comment's tree path (see Comment.path): roots have no "/", and sorting gives tree order. */
  p: string;
}

/**
 * Every comment of one bucket of a thread (its roots and all their replies), by id and tree path.
 * A page reads its bucket's manifest by key and then only the comments it shows, by id, so its cost
 * follows the page, not the thread or the collection, on any engine.
 */
export interface BucketManifestDoc {
  /** "<thread id>:<bucket>". */
  _id: string;
  entries: ManifestEntry[];
}

const entrySchema = new Schema<ManifestEntry>(
  { id: { type: Schema.Types.ObjectId, required: true }, p: { type: String, required: true } },
  { _id: false },
);

const manifestSchema = new Schema<BucketManifestDoc>(
  {
    _id: { type: String, required: true },
    entries: { type: [entrySchema], default: [] },
  },
  { versionKey: false },
);

export const BucketManifest = model<BucketManifestDoc>("BucketManifest", manifestSchema);

export const manifestKey = (thread: Types.ObjectId, bucket: number) =>
  `${thread.toHexString()}:${bucket}`;

/** Adds a comment to its bucket's manifest, creating the manifest with the bucket's first comment. */
export async function addToManifest(
  thread: Types.ObjectId,
  bucket: number,
  entry: ManifestEntry,
): Promise<void> {
  const _id = manifestKey(thread, bucket);
  try {
    await BucketManifest.updateOne({ _id }, { $push: { entries: entry } }, { upsert: true });
  } catch (err) {
    // Two first comments of a bucket at once: the loser's upsert collides; push again.
    if ((err as { code?: number }).code !== 11000) throw err;
    await BucketManifest.updateOne({ _id }, { $push: { entries: entry } });
  }
}
