import request from "supertest";
import { Comment } from "../../models/Comment";
import { Thread } from "../../models/Thread";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app } = makeApp();
const api = (path: string) => `/api/v1${path}`;
type C = {
  id: string;
  status: string;
  html: string;
  author: { name: string; id: string | null };
  replies: C[];
};

async function threadOf(site: string, key: string, auth?: { Authorization: string }) {
  const req = request(app).get(api(`/sites/${site}/threads/${key}/comments`));
  return (auth ? await req.set(auth) : await req).body as {
    comments: C[];
    total: number;
    thread: { commentCount: number };
  };
}

describe("GET /api/v1/comments/:id", () => {
  it("answers 404 for an unknown id and for a malformed one", async () => {
    for (const id of ["0123456789abcdef01234567", "not-an-id", "zzzzzzzzzzzzzzzzzzzzzzzz"]) {
      const res = await request(app).get(api(`/comments/${id}`));
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });
});

describe("PATCH /api/v1/comments/:id", () => {
  it("lets the author edit within the edit window and marks editedAt", async () => {
    const site = await makeSite();
    const author = await makeUser();
    const c = await makeComment(site._id, "e", { viewer: author.viewer, body: "tpyo" });
    const res = await request(app)
      .patch(api(`/comments/${c._id}`))
      .set(author.auth)
      .send({ body: "typo fixed" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ html: "<p>typo fixed</p>", body: "typo fixed" });
    expect(Date.parse(res.body.editedAt)).not.toBeNaN();
  });

  it("refuses the author once the window has passed, and anyone else at any time", async () => {
    const site = await makeSite({ settings: { editWindowSeconds: 60 } });
    const author = await makeUser();
    const other = await makeUser();
    const c = await makeComment(site._id, "e", { viewer: author.viewer, body: "original" });
    const byOther = await request(app)
      .patch(api(`/comments/${c._id}`))
      .set(other.auth)
      .send({ body: "hijack" });
    expect(byOther.status).toBe(403);
    // createdAt is immutable through mongoose; age the comment behind its back.
    await Comment.collection.updateOne(
      { _id: c._id },
      { $set: { createdAt: new Date(Date.now() - 61_000) } },
    );
    const late = await request(app)
      .patch(api(`/comments/${c._id}`))
      .set(author.auth)
      .send({ body: "late" });
    expect(late.status).toBe(403);
    expect(late.body.error.code).toBe("forbidden");
    const anon = await request(app)
      .patch(api(`/comments/${c._id}`))
      .send({ body: "anon" });
    expect(anon.status).toBe(401);
    expect((await Comment.findById(c._id).lean())!.body).toBe("original");
  });

  it("lets a moderator of the site edit after the window", async () => {
    const site = await makeSite({ settings: { editWindowSeconds: 0 } });
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const c = await makeComment(site._id, "e");
    const res = await request(app)
      .patch(api(`/comments/${c._id}`))
      .set(mod.auth)
      .send({ body: "[redacted]" });
    expect(res.status).toBe(200);
    expect(res.body.html).toBe("<p>[redacted]</p>");
  });
});

describe("DELETE /api/v1/comments/:id", () => {
  it("keeps a deleted comment with replies as a tombstone and removes one without", async () => {
    const site = await makeSite();
    const author = await makeUser({ name: "Deleter" });
    const parent = await makeComment(site._id, "d", { viewer: author.viewer, body: "parent" });
    const child = await makeComment(site._id, "d", {
      parentId: parent._id.toHexString(),
      body: "child",
    });
    const lone = await makeComment(site._id, "d", { viewer: author.viewer, body: "lone" });

    expect(
      (
        await request(app)
          .delete(api(`/comments/${parent._id}`))
          .set(author.auth)
      ).status,
    ).toBe(204);
    expect(
      (
        await request(app)
          .delete(api(`/comments/${lone._id}`))
          .set(author.auth)
      ).status,
    ).toBe(204);

    const list = await threadOf(site._id, "d");
    expect(list.comments.map((c) => c.id)).toEqual([parent._id.toHexString()]);
    const tomb = list.comments[0]!;
    expect(tomb).toMatchObject({
      status: "deleted",
      html: "",
      author: { name: "[deleted]", id: null },
    });
    expect(tomb.replies.map((r) => r.id)).toEqual([child._id.toHexString()]);
    expect(list.thread.commentCount).toBe(1);
    expect(list.total).toBe(1);
    expect(JSON.stringify(list)).not.toContain("<p>parent</p>");
  });

  it("drops the tombstone once its last reply is deleted too", async () => {
    const site = await makeSite();
    const a = await makeUser();
    const b = await makeUser();
    const parent = await makeComment(site._id, "d2", { viewer: a.viewer });
    const child = await makeComment(site._id, "d2", {
      viewer: b.viewer,
      parentId: parent._id.toHexString(),
    });
    await request(app)
      .delete(api(`/comments/${parent._id}`))
      .set(a.auth)
      .expect(204);
    await request(app)
      .delete(api(`/comments/${child._id}`))
      .set(b.auth)
      .expect(204);
    const list = await threadOf(site._id, "d2");
    expect(list.comments).toEqual([]);
    expect(list.thread.commentCount).toBe(0);
  });

  it("refuses to delete someone else's comment", async () => {
    const site = await makeSite();
    const a = await makeUser();
    const b = await makeUser();
    const c = await makeComment(site._id, "d3", { viewer: a.viewer });
    const res = await request(app)
      .delete(api(`/comments/${c._id}`))
      .set(b.auth);
    expect(res.status).toBe(403);
    expect((await Comment.findById(c._id).lean())!.status).toBe("approved");
  });
});

describe("PUT /api/v1/comments/:id/vote", () => {
  it("counts one vote per user, idempotently, and lets it change", async () => {
    const site = await makeSite();
    const author = await makeUser();
    const c = await makeComment(site._id, "v", { viewer: author.viewer });
    const [u1, u2] = [await makeUser(), await makeUser()];
    const url = api(`/comments/${c._id}/vote`);
    expect((await request(app).put(url).set(u1.auth).send({ value: 1 })).body).toEqual({
      score: 1,
      myVote: 1,
    });
    expect((await request(app).put(url).set(u1.auth).send({ value: 1 })).body).toEqual({
      score: 1,
      myVote: 1,
    });
    expect((await request(app).put(url).set(u2.auth).send({ value: 1 })).body).toEqual({
      score: 2,
      myVote: 1,
    });
    expect((await request(app).put(url).set(u1.auth).send({ value: -1 })).body).toEqual({
      score: 0,
      myVote: -1,
    });
    expect((await request(app).put(url).set(u2.auth).send({ value: 0 })).body).toEqual({
      score: -1,
      myVote: 0,
    });
    const seen = await threadOf(site._id, "v", u1.auth);
    expect(seen.comments[0]).toMatchObject({ score: -1, myVote: -1 });
  });

  it("adds up concurrent votes exactly", async () => {
    const site = await makeSite();
    const c = await makeComment(site._id, "vc");
    const voters = await Promise.all(Array.from({ length: 8 }, () => makeUser()));
    await Promise.all(
      voters.map((v) =>
        request(app)
          .put(api(`/comments/${c._id}/vote`))
          .set(v.auth)
          .send({ value: 1 }),
      ),
    );
    expect((await Comment.findById(c._id).lean())!.score).toBe(8);
  });

  it("refuses anonymous votes, bad values and votes on one's own comment", async () => {
    const site = await makeSite();
    const author = await makeUser();
    const c = await makeComment(site._id, "v2", { viewer: author.viewer });
    const url = api(`/comments/${c._id}/vote`);
    expect((await request(app).put(url).send({ value: 1 })).status).toBe(401);
    expect((await request(app).put(url).set(author.auth).send({ value: 1 })).status).toBe(403);
    const other = await makeUser();
    for (const value of [2, "1", null, 0.5]) {
      const res = await request(app).put(url).set(other.auth).send({ value });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toHaveProperty("value");
    }
  });
});

describe("POST /api/v1/comments/:id/flags", () => {
  it("takes a flag once per user", async () => {
    const site = await makeSite();
    const c = await makeComment(site._id, "f");
    const u = await makeUser();
    const url = api(`/comments/${c._id}/flags`);
    const first = await request(app).post(url).set(u.auth).send({ reason: "spam" });
    expect(first.status).toBe(201);
    const again = await request(app).post(url).set(u.auth).send({ reason: "abuse" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    expect((await Comment.findById(c._id).lean())!.flagCount).toBe(1);
    expect((await request(app).post(url).set(u.auth).send({ reason: "because" })).status).toBe(400);
    expect((await request(app).post(url).send({ reason: "spam" })).status).toBe(401);
  });
});

describe("counts stay right", () => {
  it("keeps the thread's approved count through posts, replies and deletes", async () => {
    const site = await makeSite();
    const u = await makeUser();
    const a = await makeComment(site._id, "cnt", { viewer: u.viewer });
    const b = await makeComment(site._id, "cnt", {
      viewer: u.viewer,
      parentId: a._id.toHexString(),
    });
    await makeComment(site._id, "cnt");
    await request(app)
      .delete(api(`/comments/${b._id}`))
      .set(u.auth)
      .expect(204);
    await request(app)
      .delete(api(`/comments/${b._id}`))
      .set(u.auth);
    const thread = await Thread.findOne({ site: site._id, key: "cnt" }).lean();
    expect(thread!.commentCount).toBe(2);
    expect((await Comment.findById(a._id).lean())!.replyCount).toBe(0);
  });
});
