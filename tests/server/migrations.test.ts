import request from "supertest";
import { Comment } from "../../models/Comment";
import { SchemaVersion } from "../../models/SchemaVersion";
import { migrate, SCHEMA_VERSION } from "../../server/migrations";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app, readCache } = makeApp();

describe("migrations", () => {
  it("gives comments stored by the previous version their bucket key, so their thread shows them", async () => {
    const site = await makeSite();
    const root = await makeComment(site._id, "old");
    await makeComment(site._id, "old", { parentId: root._id.toHexString() });
    // As the previous version stored them: no `page`, and no schema version recorded.
    await Comment.collection.updateMany({ thread: root.thread }, { $unset: { page: "" } });
    await SchemaVersion.deleteMany({});
    const before = await request(app).get(`/api/v1/sites/${site._id}/threads/old/comments`);
    expect(before.body.comments).toHaveLength(0);

    await migrate();
    expect((await SchemaVersion.findById("schema").lean())?.version).toBe(SCHEMA_VERSION);
    const after = await request(app).get(
      `/api/v1/sites/${site._id}/threads/old/comments?sort=newest`,
    );
    expect(after.body.comments.map((c: { id: string }) => c.id)).toEqual([root._id.toHexString()]);
    expect(after.body.comments[0].replies).toHaveLength(1);
  });

  it("puts comments held by the previous version into the moderation queue", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const held = await makeComment(site._id, "old-queue");
    await Comment.collection.updateOne({ _id: held._id }, { $unset: { queue: "", queueSeq: "" } });
    await SchemaVersion.updateOne({ _id: "schema" }, { $set: { version: 2 } });
    const queue = () =>
      request(app).get(`/api/v1/sites/${site._id}/moderation/queue`).set(mod.auth);
    expect((await queue()).body.items).toHaveLength(0);
    await migrate();
    const items = (await queue()).body.items as { comment: { id: string } }[];
    expect(items.map((i) => i.comment.id)).toEqual([held._id.toHexString()]);
  });

  it("numbers stored replies among their siblings, so /replies walks them in tree order", async () => {
    const site = await makeSite();
    const root = await makeComment(site._id, "old-tree");
    const a = await makeComment(site._id, "old-tree", { parentId: root._id.toHexString() });
    const b = await makeComment(site._id, "old-tree", { parentId: root._id.toHexString() });
    const a1 = await makeComment(site._id, "old-tree", { parentId: a._id.toHexString() });
    await Comment.collection.updateMany(
      { thread: root.thread },
      { $unset: { sib: "", childSeq: "", replySeq: "", descendants: "" } },
    );
    await SchemaVersion.updateOne({ _id: "schema" }, { $set: { version: 4 } });
    const replies = () =>
      request(app).get(`/api/v1/comments/${root._id.toHexString()}/replies?limit=10`);
    expect((await replies()).body.comments).toHaveLength(0);
    await migrate();
    // Migrations run at start-up, before anything is cached; here the app has served already.
    readCache.clear();
    const tree = (await replies()).body.comments as { id: string; replies: { id: string }[] }[];
    expect(tree.map((c) => c.id)).toEqual([a._id.toHexString(), b._id.toHexString()]);
    expect(tree[0]!.replies.map((c) => c.id)).toEqual([a1._id.toHexString()]);
  });

  it("gives stored comments their owner key, so a guest's data can be erased by email", async () => {
    const site = await makeSite();
    const admin = await makeUser({ roles: [{ site: site._id, role: "admin" }] });
    const c = await makeComment(site._id, "old-owner", {
      guest: { name: "Olga", email: "olga@example.com" },
    });
    await Comment.collection.updateOne({ _id: c._id }, { $unset: { owner: "" } });
    await SchemaVersion.updateOne({ _id: "schema" }, { $set: { version: 8 } });
    const erase = () =>
      request(app)
        .post(`/api/v1/sites/${site._id}/erase`)
        .set(admin.auth)
        .send({ email: "olga@example.com" });
    expect((await erase()).body).toEqual({ comments: 0 });
    await migrate();
    expect((await erase()).body).toEqual({ comments: 1 });
  });
});
