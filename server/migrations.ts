import { Comment, pageKey, ROOT_BUCKET_SIZE } from "../models/Comment";
import { SchemaVersion } from "../models/SchemaVersion";
import { Thread } from "../models/Thread";

/** Data layouts in order; each step brings data written by the version before up to date. */
const steps: { version: number; run: () => Promise<void> }[] = [
  {
    // 2: comments carry their root bucket's one-field key (`page`).
    version: 2,
    async run() {
      for await (const thread of Thread.find({}, { _id: 1, rootSeq: 1 }).lean().cursor()) {
        const last = Math.floor(Math.max(thread.rootSeq - 1, 0) / ROOT_BUCKET_SIZE);
        for (let bucket = 0; bucket <= last; bucket++) {
          // Bounded by one bucket's trees, as the reads are.
          await Comment.updateMany(
            { thread: thread._id, bucket },
            { $set: { page: pageKey(thread._id, bucket) } },
          );
        }
      }
    },
  },
];

export const SCHEMA_VERSION = steps[steps.length - 1]!.version;

/**
 * Brings stored data to the current layout, once: an empty database is marked current at once.
 * Each step is idempotent, so a start interrupted mid-step simply runs it again.
 */
export async function migrate(): Promise<void> {
  const current = await SchemaVersion.findById("schema").lean();
  if (!current && !(await Thread.exists({}))) {
    await SchemaVersion.updateOne(
      { _id: "schema" },
      { $set: { version: SCHEMA_VERSION } },
      { upsert: true },
    );
    return;
  }
  for (const step of steps) {
    if ((current?.version ?? 1) >= step.version) continue;
    await step.run();
    await SchemaVersion.updateOne(
      { _id: "schema" },
      { $set: { version: step.version } },
      { upsert: true },
    );
  }
}
