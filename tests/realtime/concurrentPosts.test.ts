import { Comment, ROOT_BUCKET_SIZE } from "../../models/Comment";
import { Thread } from "../../models/Thread";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import { ask, nextEvent, postComment, record, startInstance, type Instance } from "./instance";

useTestDatabase();

let server: Instance;
beforeAll(async () => {
  server = await startInstance();
});
afterAll(async () => {
  await server?.stop();
});

describe("posts that arrive together", () => {
  it("are each stored, counted and numbered once, and sent live with consecutive seqs", async () => {
    const site = await makeSite();
    const reader = await server.connect();
    await ask(reader, "thread:join", { site: site._id, key: "rush" });
    const live = record<{ seq: number; comment: { id: string } }>(reader, "comment:created");
    const n = 3 * ROOT_BUCKET_SIZE;
    const posted = await Promise.all(
      Array.from({ length: n }, (_, i) => postComment(server, site._id, "rush", `post ${i}`)),
    );
    expect(posted.every((p) => p.status === 201)).toBe(true);
    const ids = posted.map((p) => p.body.id as string);
    await nextEvent(reader, "comment:created", () => live.length >= n);

    const thread = await Thread.findOne({ site: site._id, key: "rush" }).lean();
    expect(thread).toMatchObject({ commentCount: n, rootSeq: n, seq: n });
    expect(live.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(new Set(live.map((e) => e.comment.id))).toEqual(new Set(ids));
    // Every root bucket holds exactly ROOT_BUCKET_SIZE roots: no root number given twice.
    const roots = await Comment.find({ thread: thread!._id }).lean();
    const perBucket = new Map<number, number>();
    for (const r of roots) perBucket.set(r.bucket, (perBucket.get(r.bucket) ?? 0) + 1);
    expect([...perBucket.values()]).toEqual([ROOT_BUCKET_SIZE, ROOT_BUCKET_SIZE, ROOT_BUCKET_SIZE]);
    // And every page shows every comment once.
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await server.request(
        "GET",
        `/api/v1/sites/${site._id}/threads/rush/comments?limit=25${cursor ? `&cursor=${cursor}` : ""}`,
      );
      pages.push(...(res.body.comments as { id: string }[]).map((c) => c.id));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(pages.sort()).toEqual([...ids].sort());
  });
});
