import type { Types } from "mongoose";
import request from "supertest";
import { Comment } from "../../models/Comment";
import { Identity, User } from "../../models/User";
import { Vote } from "../../models/Vote";
import { nextEvent, startInstance, type Instance } from "../realtime/instance";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
let instance: Instance;
beforeAll(async () => {
  instance = await startInstance();
});
afterAll(async () => {
  await instance.stop();
});
const api = (p: string) => `/api/v1${p}`;
const http = () => request(instance.url);

type C = {
  id: string;
  status: string;
  html: string;
  author: { id: string | null; name: string };
  replies: C[];
};
const page = async (site: string, key: string) =>
  (await http().get(api(`/sites/${site}/threads/${key}/comments`))).body as {
    thread: { commentCount: number };
    comments: C[];
  };

async function identityFor(user: { _id: Types.ObjectId }, username: string) {
  await Identity.create({
    _id: `wordpress:${username}`,
    provider: "wordpress",
    providerId: username,
    username,
    user: user._id,
  });
}

describe("GET /api/v1/me/export", () => {
  it("gives a user their comments with thread URLs, votes and flags, and nobody else's", async () => {
    const site = await makeSite();
    const me = await makeUser({ name: "Margaret" });
    await identityFor(me.user, "margaret");
    const other = await makeUser();
    await http()
      .post(api(`/sites/${site._id}/threads/p1/comments`))
      .set(me.auth)
      .send({ body: "Setting the URL", url: "https://blog.example/p1", title: "P1" });
    const mine = await makeComment(site._id, "p1", { viewer: me.viewer, body: "Mine, *all* mine" });
    const theirs = await makeComment(site._id, "p1", { viewer: other.viewer });
    expect(
      (
        await http()
          .put(api(`/comments/${theirs._id.toHexString()}/vote`))
          .set(me.auth)
          .send({ value: 1 })
      ).status,
    ).toBe(200);
    const flagged = await http()
      .post(api(`/comments/${theirs._id.toHexString()}/flags`))
      .set(me.auth)
      .send({ reason: "spam", note: "looks automated" });
    expect(flagged.status).toBeLessThan(300);

    const res = await http().get(api("/me/export")).set(me.auth);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({
      name: "Margaret",
      identities: [{ provider: "wordpress", username: "margaret" }],
    });
    expect(res.body.comments.map((c: { body: string }) => c.body)).toEqual([
      "Setting the URL",
      "Mine, *all* mine",
    ]);
    expect(res.body.comments[1]).toMatchObject({
      id: mine._id.toHexString(),
      threadKey: "p1",
      threadUrl: "https://blog.example/p1",
    });
    expect(res.body.votes).toEqual([
      expect.objectContaining({ comment: theirs._id.toHexString(), value: 1 }),
    ]);
    expect(res.body.flags).toEqual([
      expect.objectContaining({ reason: "spam", note: "looks automated" }),
    ]);
    expect(res.body.subscriptions).toEqual([]);
    expect((await http().get(api("/me/export"))).status).toBe(401);
  });
});

describe("DELETE /api/v1/me", () => {
  it("anonymizes the comments, ends the sessions and sockets at once, and removes the account", async () => {
    const site = await makeSite();
    const me = await makeUser({ name: "Leaving Larry" });
    await identityFor(me.user, "larry");
    const c = await makeComment(site._id, "p2", { viewer: me.viewer, body: "I was here" });
    const other = await makeUser();
    const reply = await makeComment(site._id, "p2", {
      viewer: other.viewer,
      parentId: c._id.toHexString(),
    });
    await http()
      .put(api(`/comments/${reply._id.toHexString()}/vote`))
      .set(me.auth)
      .send({ value: -1 });
    const socket = await instance.connect({ token: me.token });
    const dropped = nextEvent<string>(socket, "disconnect");

    const res = await http().delete(api("/me")).set(me.auth);
    expect(res.status).toBe(204);
    expect(await dropped).toBe("io server disconnect");
    expect((await http().get(api("/me")).set(me.auth)).status).toBe(401);
    expect(await User.exists({ _id: me.user._id })).toBeNull();
    expect(await Identity.exists({ user: me.user._id })).toBeNull();
    expect(await Vote.exists({ user: me.user._id })).toBeNull();

    const p = await page(site._id, "p2");
    expect(p.thread.commentCount).toBe(2);
    expect(p.comments[0]).toMatchObject({
      status: "approved",
      html: "<p>I was here</p>",
      author: { id: null, name: "[deleted]" },
    });
    expect(p.comments[0]!.replies[0]!.id).toBe(reply._id.toHexString());
    expect(JSON.stringify(p)).not.toContain("Leaving Larry");
    // The reply's score stays: it is the thread's, not the voter's.
    expect((await Comment.findById(reply._id).lean())!.score).toBe(-1);
  });

  it("with comments=delete empties them: a tombstone where replied to, gone elsewhere", async () => {
    const site = await makeSite();
    const me = await makeUser();
    const answered = await makeComment(site._id, "p3", { viewer: me.viewer, body: "Answered" });
    await makeComment(site._id, "p3", { viewer: me.viewer, body: "Alone" });
    await makeComment(site._id, "p3", { parentId: answered._id.toHexString(), body: "An answer" });
    expect((await page(site._id, "p3")).thread.commentCount).toBe(3);

    expect((await http().delete(api("/me?comments=delete")).set(me.auth)).status).toBe(204);
    const p = await page(site._id, "p3");
    expect(p.thread.commentCount).toBe(1);
    expect(p.comments).toHaveLength(1);
    expect(p.comments[0]).toMatchObject({
      status: "deleted",
      html: "",
      author: { name: "[deleted]" },
    });
    expect(p.comments[0]!.replies[0]!.html).toBe("<p>An answer</p>");
    expect((await Comment.findById(answered._id).lean())!.body).toBe("");
  });

  it("answers 400 to an unknown comments mode and 401 to nobody", async () => {
    const me = await makeUser();
    expect((await http().delete(api("/me?comments=shred")).set(me.auth)).status).toBe(400);
    expect((await http().delete(api("/me"))).status).toBe(401);
    expect(await User.exists({ _id: me.user._id })).not.toBeNull();
  });
});

describe("POST /api/v1/sites/:site/erase", () => {
  it("erases a guest's data on that site only, for the site's admins only", async () => {
    const site = await makeSite();
    const elsewhere = await makeSite();
    const admin = await makeUser({ roles: [{ site: site._id, role: "admin" }] });
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const guest = { name: "Gina Guest", email: "Gina@Example.com" };
    await makeComment(site._id, "p4", { guest, body: "One" });
    await makeComment(site._id, "p5", { guest, body: "Two" });
    await makeComment(elsewhere._id, "p4", { guest, body: "Elsewhere" });

    const url = api(`/sites/${site._id}/erase`);
    expect((await http().post(url).set(mod.auth).send({ email: "gina@example.com" })).status).toBe(
      403,
    );
    expect((await http().post(url).set(admin.auth).send({ email: "not an email" })).status).toBe(
      400,
    );
    const res = await http().post(url).set(admin.auth).send({ email: "gina@example.com" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ comments: 2 });
    expect((await page(site._id, "p4")).comments[0]!.author.name).toBe("[deleted]");
    expect(await Comment.exists({ site: site._id, "author.email": "gina@example.com" })).toBeNull();
    expect((await page(elsewhere._id, "p4")).comments[0]!.author.name).toBe("Gina Guest");

    const deleted = await http()
      .post(api(`/sites/${elsewhere._id}/erase`))
      .set((await makeUser({ roles: [{ site: elsewhere._id, role: "admin" }] })).auth)
      .send({ email: "gina@example.com", comments: "delete" });
    expect(deleted.body).toEqual({ comments: 1 });
    expect((await page(elsewhere._id, "p4")).comments).toHaveLength(0);
  });
});
