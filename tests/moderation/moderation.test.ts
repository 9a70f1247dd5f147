import http from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../config";
import { Comment } from "../../models/Comment";
import { Thread } from "../../models/Thread";
import { createApp } from "../../server/app";
import { DomainEvents } from "../../server/events";
import { akismetSpamCheck } from "../../server/moderation/akismet";
import { PostRateLimiter } from "../../server/rateLimit";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app } = makeApp();
const api = (path: string) => `/api/v1${path}`;
const guest = (n = "x") => ({ name: `Guest ${n}`, email: `${n}@example.com` });

async function moderated(siteSettings = {}) {
  const site = await makeSite({ settings: { preModeration: "first_comment", ...siteSettings } });
  const mod = await makeUser({ name: "Mod", roles: [{ site: site._id, role: "moderator" }] });
  const admin = await makeUser({ name: "Admin", roles: [{ site: site._id, role: "admin" }] });
  return { site, mod, admin };
}

async function post(site: string, key: string, body: object, auth?: { Authorization: string }) {
  const req = request(app).post(api(`/sites/${site}/threads/${key}/comments`));
  return auth ? req.set(auth).send(body) : req.send(body);
}

const act = (id: string, action: string, auth: { Authorization: string }) =>
  request(app)
    .post(api(`/comments/${id}/moderation`))
    .set(auth)
    .send({ action });

describe("pre-moderation", () => {
  it("holds a first comment, then trusts the author across the site's threads once approved", async () => {
    const { site, mod } = await moderated();
    const first = await post(site._id, "one", { body: "first", guest: guest("ann") });
    expect(first.status).toBe(202);
    expect(first.body.status).toBe("pending");
    const second = await post(site._id, "two", { body: "second", guest: guest("ann") });
    expect(second.body.status).toBe("pending");
    expect((await act(first.body.id, "approve", mod.auth)).body.status).toBe("approved");
    const third = await post(site._id, "three", {
      body: "third",
      guest: { name: "Ann", email: "ANN@example.com" },
    });
    expect(third.status).toBe(201);
    expect(third.body.status).toBe("approved");
    // Another site does not share the trust.
    const other = await makeSite({ settings: { preModeration: "first_comment" } });
    expect((await post(other._id, "x", { body: "hi", guest: guest("ann") })).status).toBe(202);
  });

  it("shows authors their own pending comment, and nobody else", async () => {
    const { site } = await moderated({ preModeration: "all" });
    const author = await makeUser();
    const other = await makeUser();
    const held = await post(site._id, "p", { body: "mine" }, author.auth);
    expect(held.status).toBe(202);
    const mine = await request(app)
      .get(api(`/sites/${site._id}/threads/p/comments`))
      .set(author.auth);
    expect(mine.body.comments).toEqual([
      expect.objectContaining({ id: held.body.id, status: "pending" }),
    ]);
    const theirs = await request(app)
      .get(api(`/sites/${site._id}/threads/p/comments`))
      .set(other.auth);
    expect(theirs.body.comments).toEqual([]);
    expect(
      (
        await request(app)
          .get(api(`/comments/${held.body.id}`))
          .set(other.auth)
      ).status,
    ).toBe(404);
    expect((await request(app).get(api(`/comments/${held.body.id}`))).status).toBe(404);
    expect(
      (
        await request(app)
          .get(api(`/comments/${held.body.id}`))
          .set(author.auth)
      ).body.status,
    ).toBe("pending");
  });

  it("stores a comment with a banned word as rejected and shows it nowhere", async () => {
    const { site, mod } = await moderated({ preModeration: "none", bannedWords: ["casino"] });
    const res = await post(site._id, "b", { body: "best c\u0430sino", guest: guest("spam") });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe("rejected");
    expect(
      (await request(app).get(api(`/sites/${site._id}/threads/b/comments`))).body.comments,
    ).toEqual([]);
    const queue = await request(app)
      .get(api(`/sites/${site._id}/moderation/queue`))
      .query({ status: "rejected" })
      .set(mod.auth);
    expect(queue.body.items.map((i: { comment: { id: string } }) => i.comment.id)).toEqual([
      res.body.id,
    ]);
    expect(queue.body.items[0].reasons).toEqual(["banned_word:casino"]);
  });
});

describe("GET /api/v1/sites/:site/moderation/queue", () => {
  it("lists held comments newest first with keyset pages, with their thread and the guest's email", async () => {
    const { site, mod } = await moderated({ preModeration: "all" });
    const ids = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (
          await post(site._id, "q", {
            body: `c${i}`,
            url: "https://blog.example/q",
            guest: guest(`g${i}`),
          })
        ).body.id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(app)
        .get(api(`/sites/${site._id}/moderation/queue`))
        .query({ status: "pending", limit: 2, ...(cursor ? { cursor } : {}) })
        .set(mod.auth);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { comment: { id: string } }) => i.comment.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const first = await request(app)
      .get(api(`/sites/${site._id}/moderation/queue`))
      .set(mod.auth);
    expect(first.body.items[0]).toMatchObject({
      guestEmail: "g4@example.com",
      thread: { key: "q", url: "https://blog.example/q" },
      comment: { body: "c4", status: "pending" },
    });
  });

  it("refuses commenters, anonymous readers and moderators of another site", async () => {
    const { site } = await moderated();
    const other = await moderated();
    const commenter = await makeUser();
    const url = api(`/sites/${site._id}/moderation/queue`);
    expect((await request(app).get(url)).status).toBe(401);
    expect((await request(app).get(url).set(commenter.auth)).status).toBe(403);
    const cross = await request(app).get(url).set(other.mod.auth);
    expect(cross.status).toBe(403);
    expect(cross.body.error.code).toBe("forbidden");
  });
});

describe("flags", () => {
  it("sends an approved comment back to the queue at flagThreshold flags", async () => {
    const { site, mod } = await moderated({ preModeration: "none", flagThreshold: 2 });
    const c = await makeComment(site._id, "f");
    const [u1, u2] = [await makeUser(), await makeUser()];
    await request(app)
      .post(api(`/comments/${c._id}/flags`))
      .set(u1.auth)
      .send({ reason: "abuse", note: "rude" })
      .expect(201);
    expect((await Comment.findById(c._id).lean())!.status).toBe("approved");
    const flagged = await request(app)
      .get(api(`/sites/${site._id}/moderation/queue`))
      .query({ status: "flagged" })
      .set(mod.auth);
    expect(flagged.body.items[0].flags).toEqual([
      expect.objectContaining({ reason: "abuse", note: "rude", userId: u1.user._id.toHexString() }),
    ]);
    await request(app)
      .post(api(`/comments/${c._id}/flags`))
      .set(u2.auth)
      .send({ reason: "spam" })
      .expect(201);
    expect((await Comment.findById(c._id).lean())!.status).toBe("pending");
    expect((await Thread.findById(c.thread).lean())!.commentCount).toBe(0);
    expect(
      (await request(app).get(api(`/sites/${site._id}/threads/f/comments`))).body.comments,
    ).toEqual([]);
    // Approving clears the flags and restores it.
    await act(c._id.toHexString(), "approve", mod.auth).expect(200);
    const after = await Comment.findById(c._id).lean();
    expect(after).toMatchObject({ status: "approved", flagCount: 0 });
    expect((await Thread.findById(c.thread).lean())!.commentCount).toBe(1);
  });
});

describe("POST /api/v1/comments/:id/moderation", () => {
  it("keeps the thread count right through approve, reject, spam and delete sequences", async () => {
    const { site, mod } = await moderated({ preModeration: "all" });
    const a = (await post(site._id, "cnt", { body: "a", guest: guest("a") })).body.id;
    const b = (await post(site._id, "cnt", { body: "b", guest: guest("b") })).body.id;
    const count = async () =>
      (await Thread.findOne({ site: site._id, key: "cnt" }).lean())!.commentCount;
    expect(await count()).toBe(0);
    await act(a, "approve", mod.auth).expect(200);
    await act(a, "approve", mod.auth).expect(200);
    expect(await count()).toBe(1);
    await act(b, "approve", mod.auth).expect(200);
    expect(await count()).toBe(2);
    await act(a, "reject", mod.auth).expect(200);
    expect(await count()).toBe(1);
    await act(a, "spam", mod.auth).expect(200);
    expect(await count()).toBe(1);
    await act(a, "approve", mod.auth).expect(200);
    expect(await count()).toBe(2);
    await act(b, "delete", mod.auth).expect(200);
    expect(await count()).toBe(1);
    expect((await act(b, "approve", mod.auth)).status).toBe(409);
    const list = await request(app).get(api(`/sites/${site._id}/threads/cnt/comments`));
    expect(list.body.comments.map((c: { id: string }) => c.id)).toEqual([a]);
    expect(list.body.total).toBe(1);
  });

  it("pins a comment to the top and unpins it", async () => {
    const { site, mod } = await moderated({ preModeration: "none" });
    const first = await makeComment(site._id, "pin");
    const second = await makeComment(site._id, "pin");
    const pinned = await act(second._id.toHexString(), "pin", mod.auth);
    expect(pinned.body.pinned).toBe(true);
    const order = async () =>
      (await request(app).get(api(`/sites/${site._id}/threads/pin/comments`))).body.comments.map(
        (c: { id: string }) => c.id,
      );
    expect(await order()).toEqual([second._id.toHexString(), first._id.toHexString()]);
    await act(second._id.toHexString(), "unpin", mod.auth).expect(200);
    expect(await order()).toEqual([first._id.toHexString(), second._id.toHexString()]);
  });

  it("refuses commenters and moderators of another site, and bad actions", async () => {
    const { site } = await moderated({ preModeration: "none" });
    const other = await moderated();
    const c = await makeComment(site._id, "perm");
    const commenter = await makeUser();
    expect((await act(c._id.toHexString(), "reject", commenter.auth)).status).toBe(403);
    expect((await act(c._id.toHexString(), "reject", other.mod.auth)).status).toBe(403);
    expect(
      (
        await request(app)
          .post(api(`/comments/${c._id}/moderation`))
          .send({ action: "reject" })
      ).status,
    ).toBe(401);
    expect((await act(c._id.toHexString(), "explode", other.admin.auth)).status).toBe(400);
    expect((await Comment.findById(c._id).lean())!.status).toBe("approved");
  });
});

describe("bans", () => {
  it("bans a user, an email and an IP until it expires or is lifted", async () => {
    const { site, mod } = await moderated({ preModeration: "none" });
    const u = await makeUser();
    expect((await post(site._id, "t", { body: "before" }, u.auth)).status).toBe(201);
    // A short ban, so the test can see it end.
    const until = Date.now() + 2500;
    const ban = await request(app)
      .post(api(`/sites/${site._id}/bans`))
      .set(mod.auth)
      .send({
        userId: u.user._id.toHexString(),
        reason: "trolling",
        until: new Date(until).toISOString(),
      });
    expect(ban.status).toBe(201);
    expect(ban.body).toMatchObject({ reason: "trolling", active: true });
    // What posting knew of this user (not banned, from their post before) is forgotten at once.
    const refused = await post(site._id, "t", { body: "let me in" }, u.auth);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("banned");
    // Their token still reads.
    expect(
      (
        await request(app)
          .get(api(`/sites/${site._id}/threads/t/comments`))
          .set(u.auth)
      ).status,
    ).toBe(200);
    // Once the ban's time is over, they can post again.
    await new Promise((r) => setTimeout(r, until - Date.now() + 50));
    expect((await post(site._id, "t", { body: "back" }, u.auth)).status).toBe(201);

    const emailBan = await request(app)
      .post(api(`/sites/${site._id}/bans`))
      .set(mod.auth)
      .send({ email: "Spammer@Example.com", reason: "spam" });
    expect(emailBan.status).toBe(201);
    expect(
      (await post(site._id, "t", { body: "x", guest: { name: "S", email: "spammer@example.com" } }))
        .body.error.code,
    ).toBe("banned");
    await request(app)
      .delete(api(`/sites/${site._id}/bans/${emailBan.body.id}`))
      .set(mod.auth)
      .expect(204);
    expect(
      (await post(site._id, "t", { body: "x", guest: { name: "S", email: "spammer@example.com" } }))
        .status,
    ).toBe(201);

    await request(app)
      .post(api(`/sites/${site._id}/bans`))
      .set(mod.auth)
      .send({ ip: "::ffff:127.0.0.1", reason: "flood" })
      .expect(201);
    const byIp = await post(site._id, "t", { body: "x", guest: guest("ip") });
    expect(byIp.body.error.code).toBe("banned");
  });

  it("validates bans and keeps them to moderators of the site", async () => {
    const { site, mod } = await moderated();
    const other = await moderated();
    const url = api(`/sites/${site._id}/bans`);
    expect((await request(app).post(url).set(mod.auth).send({ reason: "nobody" })).status).toBe(
      400,
    );
    expect(
      (await request(app).post(url).set(mod.auth).send({ ip: "999.1.1.1", reason: "x" })).status,
    ).toBe(400);
    expect(
      (
        await request(app)
          .post(url)
          .set(mod.auth)
          .send({ email: "a@example.com", reason: "x", until: "2001-01-01T00:00:00Z" })
      ).status,
    ).toBe(400);
    expect(
      (
        await request(app)
          .post(url)
          .set(other.mod.auth)
          .send({ email: "a@example.com", reason: "x" })
      ).status,
    ).toBe(403);
    expect(
      (
        await request(app)
          .delete(api(`/sites/${site._id}/bans/0123456789abcdef01234567`))
          .set(mod.auth)
      ).status,
    ).toBe(404);
  });
});

describe("threads closing", () => {
  it("closes and reopens a thread; posting to a closed one answers 403 thread_closed", async () => {
    const { site, mod } = await moderated({ preModeration: "none" });
    const c = await makeComment(site._id, "close");
    const closed = await request(app)
      .patch(api(`/sites/${site._id}/threads/close`))
      .set(mod.auth)
      .send({ open: false });
    expect(closed.status).toBe(200);
    expect(closed.body.open).toBe(false);
    const res = await post(site._id, "close", { body: "late", guest: guest() });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("thread_closed");
    const reply = await post(site._id, "close", {
      body: "late",
      parentId: c._id.toHexString(),
      guest: guest(),
    });
    expect(reply.body.error.code).toBe("thread_closed");
    // Refused posts leave no trace in the thread's count.
    const thread = await request(app).get(api(`/sites/${site._id}/threads/close`));
    expect(thread.body.commentCount).toBe(1);
    await request(app)
      .patch(api(`/sites/${site._id}/threads/close`))
      .set(mod.auth)
      .send({ open: true })
      .expect(200);
    expect((await post(site._id, "close", { body: "open again", guest: guest() })).status).toBe(
      201,
    );
    const commenter = await makeUser();
    expect(
      (
        await request(app)
          .patch(api(`/sites/${site._id}/threads/close`))
          .set(commenter.auth)
          .send({ open: false })
      ).status,
    ).toBe(403);
  });

  it("closes threads older than closeAfterDays", async () => {
    const { site } = await moderated({ preModeration: "none", closeAfterDays: 14 });
    await makeComment(site._id, "old");
    await Thread.collection.updateOne(
      { site: site._id, key: "old" },
      { $set: { createdAt: new Date(Date.now() - 15 * 86_400_000) } },
    );
    const res = await post(site._id, "old", { body: "necro", guest: guest() });
    expect(res.body.error.code).toBe("thread_closed");
    expect((await request(app).get(api(`/sites/${site._id}/threads/old`))).body.open).toBe(false);
  });
});

describe("settings and the audit log", () => {
  it("lets admins read and change settings, logs the change, and refuses moderators", async () => {
    const { site, mod, admin } = await moderated();
    const url = api(`/sites/${site._id}/settings`);
    expect((await request(app).get(url).set(mod.auth)).status).toBe(403);
    expect((await request(app).patch(url).set(mod.auth).send({ maxLinks: 5 })).status).toBe(403);
    const read = await request(app).get(url).set(admin.auth);
    expect(read.body).toMatchObject({
      site: site._id,
      maxDepth: 5,
      maxLinks: 2,
      flagThreshold: 3,
      preModeration: "first_comment",
    });
    const changed = await request(app)
      .patch(url)
      .set(admin.auth)
      .send({ maxLinks: 5, holdWords: ["crypto"], origins: ["https://news.example"] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      maxLinks: 5,
      holdWords: ["crypto"],
      origins: ["https://news.example"],
    });
    for (const bad of [
      { maxDepth: 11 },
      { maxDepth: 0 },
      { preModeration: "some" },
      { origins: ["javascript:alert(1)"] },
      { unknown: 1 },
    ]) {
      const res = await request(app).patch(url).set(admin.auth).send(bad);
      expect(res.status).toBe(400);
    }
    expect((await request(app).get(url).set(admin.auth)).body.maxDepth).toBe(5);

    const log = await request(app)
      .get(api(`/sites/${site._id}/moderation/log`))
      .set(mod.auth);
    expect(log.status).toBe(200);
    expect(log.body.entries[0]).toMatchObject({
      action: "settings",
      by: { name: "Admin" },
      before: expect.objectContaining({ maxLinks: 2 }),
      after: expect.objectContaining({ maxLinks: 5 }),
    });
  });

  it("records who moderated which comment, and when", async () => {
    const { site, mod } = await moderated({ preModeration: "none" });
    const c = await makeComment(site._id, "log");
    await request(app)
      .post(api(`/comments/${c._id}/moderation`))
      .set(mod.auth)
      .send({ action: "reject", reason: "off topic" })
      .expect(200);
    const log = await request(app)
      .get(api(`/sites/${site._id}/moderation/log`))
      .set(mod.auth);
    expect(log.body.entries[0]).toMatchObject({
      action: "reject",
      reason: "off topic",
      by: { id: mod.user._id.toHexString(), name: "Mod" },
      target: { type: "comment", id: c._id.toHexString() },
      before: { status: "approved" },
      after: { status: "rejected" },
    });
    expect(Date.parse(log.body.entries[0].at)).not.toBeNaN();
    const commenter = await makeUser();
    expect(
      (
        await request(app)
          .get(api(`/sites/${site._id}/moderation/log`))
          .set(commenter.auth)
      ).status,
    ).toBe(403);
  });
});

describe("POSTS_PER_MINUTE", () => {
  it("answers 429 rate_limited with Retry-After past the limit, per user and per guest IP", async () => {
    const limited = makeApp({ POSTS_PER_MINUTE: "2" }).app;
    const site = await makeSite();
    const u = await makeUser();
    const url = api(`/sites/${site._id}/threads/rl/comments`);
    await request(limited).post(url).set(u.auth).send({ body: "1" }).expect(201);
    await request(limited).post(url).set(u.auth).send({ body: "2" }).expect(201);
    const third = await request(limited).post(url).set(u.auth).send({ body: "3" });
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe("rate_limited");
    expect(Number(third.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(third.headers["retry-after"])).toBeLessThanOrEqual(60);
    // Another user is not affected; guests are counted by IP.
    await request(limited)
      .post(url)
      .set((await makeUser()).auth)
      .send({ body: "other" })
      .expect(201);
    await request(limited)
      .post(url)
      .send({ body: "g1", guest: guest("a") })
      .expect(201);
    await request(limited)
      .post(url)
      .send({ body: "g2", guest: guest("b") })
      .expect(201);
    expect(
      (
        await request(limited)
          .post(url)
          .send({ body: "g3", guest: guest("c") })
      ).status,
    ).toBe(429);
  });
});

describe("spam check", () => {
  let fake: http.Server;
  let mode: "spam" | "ham" | "slow" | "error" = "ham";
  const received: URLSearchParams[] = [];
  let baseUrl = "";

  beforeAll(async () => {
    fake = http.createServer((req, res) => {
      let data = "";
      req.on("data", (c) => (data += c));
      req.on("end", () => {
        received.push(new URLSearchParams(data));
        if (mode === "slow") return void setTimeout(() => res.end("false"), 1500);
        if (mode === "error") return void res.writeHead(500).end("oops");
        res.end(mode === "spam" ? "true" : "false");
      });
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    baseUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => fake.close(() => r())));

  function appWithSpamCheck() {
    const config = loadConfig({ LOG_LEVEL: "silent", POSTS_PER_MINUTE: "0" });
    return createApp({
      config,
      logger: pino({ level: "silent" }),
      events: new DomainEvents(),
      postLimiter: new PostRateLimiter(0),
      spamCheck: akismetSpamCheck({
        key: "k",
        url: baseUrl,
        blogUrl: "http://localhost",
        timeoutMs: 300,
      }),
    });
  }

  it.each([
    ["ham", 201, "approved", []],
    ["spam", 202, "pending", ["spam_check"]],
    ["slow", 202, "pending", ["spam_check_unavailable"]],
    ["error", 202, "pending", ["spam_check_unavailable"]],
  ] as const)("when the service says %s the comment is %s", async (m, status, state, reasons) => {
    mode = m;
    const site = await makeSite();
    const res = await request(appWithSpamCheck())
      .post(api(`/sites/${site._id}/threads/s/comments`))
      .send({ body: "Is this spam?", guest: { name: "Sam", email: "sam@example.com" } });
    expect(res.status).toBe(status);
    expect(res.body.status).toBe(state);
    expect((await Comment.findById(res.body.id).lean())!.reasons).toEqual(reasons);
    const sent = received[received.length - 1]!;
    expect(sent.get("comment_content")).toBe("Is this spam?");
    expect(sent.get("comment_author_email")).toBe("sam@example.com");
    expect(sent.get("api_key")).toBe("k");
  });
});
