import request from "supertest";
import { Comment, REPLY_HEAD, SIBLING_BUCKET } from "../../models/Comment";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app } = makeApp();
const api = (p: string) => `/api/v1${p}`;

type C = { id: string; replies: C[]; moreReplies: number; repliesCursor: string | null };
const flatten = (list: C[]): string[] => list.flatMap((c) => [c.id, ...flatten(c.replies)]);

describe("a root with more replies than its bucket keeps", () => {
  it("shows its replies in tree order, cut at replyLimit, and the rest through /replies without gaps or repeats", async () => {
    const site = await makeSite({ settings: { maxDepth: 4 } });
    const root = await makeComment(site._id, "big");
    const rootId = root._id.toHexString();
    // More direct replies than one sibling bucket, and more replies in all than the bucket keeps.
    const direct: string[] = [];
    for (let i = 0; i < SIBLING_BUCKET + 5; i++) {
      direct.push((await makeComment(site._id, "big", { parentId: rootId }))._id.toHexString());
    }
    // Replies to early children posted late: in tree order they come before later siblings.
    const under0: string[] = [];
    for (let i = 0; i < 3; i++) {
      under0.push((await makeComment(site._id, "big", { parentId: direct[0] }))._id.toHexString());
    }
    const deep = (await makeComment(site._id, "big", { parentId: under0[1] }))._id.toHexString();
    const under7 = (await makeComment(site._id, "big", { parentId: direct[7] }))._id.toHexString();
    // A rejected reply is not shown, nor counted.
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    await request(app)
      .post(api(`/comments/${direct[3]}/moderation`))
      .set(mod.auth)
      .send({ action: "reject" })
      .expect(200);
    const treeOrder = [
      direct[0],
      under0[0],
      under0[1],
      deep,
      under0[2],
      ...direct.slice(1, 8).filter((id) => id !== direct[3]),
      under7,
      ...direct.slice(8),
    ];
    expect(treeOrder.length).toBeGreaterThan(REPLY_HEAD);
    // The tree is big: its replies have left the root bucket.
    expect(
      await Comment.countDocuments({ rootId: root._id, page: { $ne: null }, depth: { $gt: 0 } }),
    ).toBe(0);

    const res = await request(app)
      .get(api(`/sites/${site._id}/threads/big/comments`))
      .query({ replyLimit: 10 });
    const top = res.body.comments[0] as C;
    expect(top.id).toBe(rootId);
    expect(flatten(top.replies)).toEqual(treeOrder.slice(0, 10));
    expect(top.moreReplies).toBe(treeOrder.length - 10);

    const rest: string[] = [];
    let cursor = top.repliesCursor;
    for (let pages = 0; cursor && pages < 50; pages++) {
      const more = await request(app)
        .get(api(`/comments/${rootId}/replies`))
        .query({ cursor, limit: 7 });
      expect(more.status).toBe(200);
      rest.push(...flatten(more.body.comments as C[]));
      cursor = more.body.nextCursor;
    }
    expect([...treeOrder.slice(0, 10), ...rest]).toEqual(treeOrder);
  });
});
