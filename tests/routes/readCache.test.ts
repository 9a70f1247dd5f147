import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import request from "supertest";
import { useTestDatabase } from "../support/db";
import { makeApp } from "../support/app";
import { makeSite, makeUser } from "../support/factories";
import { startRedis, type TestRedis } from "../support/redis";
import { postComment, startInstance, type Instance } from "../realtime/instance";

useTestDatabase();
const { app, readCache } = makeApp();
const api = (p: string) => `/api/v1${p}`;

type C = { id: string; html: string; score: number; myVote: number; status: string; replies: C[] };

async function post(site: string, key: string, body: string, extra: Record<string, unknown> = {}) {
  const res = await request(app)
    .post(api(`/sites/${site}/threads/${key}/comments`))
    .send({ body, guest: { name: "Ann", email: "ann@example.com" }, ...extra });
  expect([201, 202]).toContain(res.status);
  return res.body as C;
}

const page = (site: string, key: string, query = "") =>
  request(app).get(api(`/sites/${site}/threads/${key}/comments${query}`));

describe("the read cache for anonymous readers", () => {
  it("serves the same bytes with a strong ETag and answers If-None-Match with 304", async () => {
    const site = await makeSite();
    await post(site._id, "etag", "first");
    const first = await page(site._id, "etag");
    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const hitsBefore = readCache.hits;
    const second = await page(site._id, "etag");
    expect(readCache.hits).toBe(hitsBefore + 1);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.body).toEqual(first.body);
    const again = await page(site._id, "etag").set("If-None-Match", first.headers.etag!);
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
  });

  it("sends a large page gzipped to a client that accepts it, plain to one that does not", async () => {
    const site = await makeSite();
    for (let i = 0; i < 8; i++) await post(site._id, "gz", `comment number ${i} `.repeat(20));
    // Raw HTTP: HTTP clients would unzip before the test could see the bytes on the wire.
    const server = app.listen(0);
    const { port } = server.address() as AddressInfo;
    const gz = await new Promise<{ encoding?: string; bytes: Buffer }>((resolve, reject) => {
      http
        .get(
          `http://127.0.0.1:${port}${api(`/sites/${site._id}/threads/gz/comments`)}`,
          { headers: { "Accept-Encoding": "gzip" } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
              resolve({ encoding: res.headers["content-encoding"], bytes: Buffer.concat(chunks) }),
            );
          },
        )
        .on("error", reject);
    });
    server.close();
    expect(gz.encoding).toBe("gzip");
    const unzipped = JSON.parse(zlib.gunzipSync(gz.bytes).toString());
    expect(unzipped.comments).toHaveLength(8);
    const plain = await page(site._id, "gz").set("Accept-Encoding", "identity");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toEqual(unzipped);
  });

  it("changes the cached page the moment a comment is posted, edited, voted on, deleted or approved", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const author = await makeUser();
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const voter = await makeUser();
    const cached = async () => (await page(site._id, "live")).body.comments as C[];

    const root = await request(app)
      .post(api(`/sites/${site._id}/threads/live/comments`))
      .set(mod.auth)
      .send({ body: "by a moderator" });
    expect(await cached()).toHaveLength(1);

    // Held: not on the public page, then approved: on it at once.
    const held = await request(app)
      .post(api(`/sites/${site._id}/threads/live/comments`))
      .set(author.auth)
      .send({ body: "held at first" });
    expect(held.status).toBe(202);
    expect((await cached()).map((c) => c.id)).toEqual([root.body.id]);
    await request(app)
      .post(api(`/comments/${held.body.id}/moderation`))
      .set(mod.auth)
      .send({ action: "approve" })
      .expect(200);
    expect((await cached()).map((c) => c.id)).toEqual([root.body.id, held.body.id]);

    await request(app)
      .patch(api(`/comments/${held.body.id}`))
      .set(mod.auth)
      .send({ body: "edited *now*" })
      .expect(200);
    expect((await cached())[1]!.html).toBe("<p>edited <em>now</em></p>");

    await request(app)
      .put(api(`/comments/${held.body.id}/vote`))
      .set(voter.auth)
      .send({ value: 1 })
      .expect(200);
    expect((await cached())[1]!.score).toBe(1);

    await request(app)
      .delete(api(`/comments/${held.body.id}`))
      .set(author.auth)
      .expect(204);
    expect((await cached()).map((c) => c.id)).toEqual([root.body.id]);
  });

  it("never shows a signed-in reader's own held comment or votes to anyone else", async () => {
    const site = await makeSite({ settings: { preModeration: "all" } });
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const root = await request(app)
      .post(api(`/sites/${site._id}/threads/mine/comments`))
      .set(mod.auth)
      .send({ body: "public" });
    const reader = await makeUser();
    const held = await request(app)
      .post(api(`/sites/${site._id}/threads/mine/comments`))
      .set(reader.auth)
      .send({ body: "only mine for now" });
    await request(app)
      .put(api(`/comments/${root.body.id}/vote`))
      .set(reader.auth)
      .send({ value: 1 })
      .expect(200);

    const own = await page(site._id, "mine").set(reader.auth);
    const ownIds = (own.body.comments as C[]).map((c) => c.id);
    expect(ownIds).toEqual([root.body.id, held.body.id]);
    expect((own.body.comments as C[])[0]!.myVote).toBe(1);
    expect(own.headers.vary).toMatch(/Authorization/i);

    const other = await makeUser();
    for (const res of [
      await page(site._id, "mine"),
      await page(site._id, "mine").set(other.auth),
    ]) {
      const comments = res.body.comments as C[];
      expect(comments.map((c) => c.id)).toEqual([root.body.id]);
      expect(comments[0]!.myVote).toBe(0);
    }
  });

  it("answers many readers of a page that is not cached yet with one read of the database", async () => {
    const site = await makeSite();
    await post(site._id, "crowd", "hello");
    const computed = readCache.computed;
    const pages = await Promise.all(
      Array.from({ length: 10 }, () => page(site._id, "crowd", "?sort=top")),
    );
    expect(new Set(pages.map((p) => p.headers.etag)).size).toBe(1);
    expect(pages.every((p) => p.body.comments.length === 1)).toBe(true);
    expect(readCache.computed - computed).toBe(1);
  });

  it("changes the counts of an article list when a comment is posted", async () => {
    const site = await makeSite();
    const counts = async (keys: string) =>
      (await request(app).get(api(`/sites/${site._id}/counts?keys=${keys}`))).body.counts;
    await post(site._id, "c", "first");
    expect(await counts("a,b")).toEqual({ a: 0, b: 0 });
    expect(await counts("b,c")).toEqual({ b: 0, c: 1 });
    await post(site._id, "b", "hello");
    // Every list naming b changes; the counts kept for a and c still hold.
    expect(await counts("a,b")).toEqual({ a: 0, b: 1 });
    expect(await counts("b,c")).toEqual({ b: 1, c: 1 });
    expect(await counts("c,a")).toEqual({ c: 1, a: 0 });
  });
});

describe("the read cache on two instances over Redis", () => {
  let redis: TestRedis;
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    redis = await startRedis();
    a = await startInstance({ redisUrl: redis.url });
    b = await startInstance({ redisUrl: redis.url });
  }, 180_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it("drops instance A's cached page when a comment is posted or voted on through instance B", async () => {
    const site = await makeSite();
    const read = async () =>
      (await a.request("GET", `/api/v1/sites/${site._id}/threads/shared/comments`)).body
        .comments as C[];
    const first = await postComment(b, site._id, "shared", "one");
    // Drops from B arrive over Redis: wait until A serves pages from its cache.
    await waitUntil(() => a.readCache.peer?.connected() === true);
    expect((await read()).map((c) => c.id)).toEqual([first.body.id]);
    expect((await read()).map((c) => c.id)).toEqual([first.body.id]);
    const hits = a.readCache.hits;
    expect(hits).toBeGreaterThan(0);

    const second = await postComment(b, site._id, "shared", "two");
    await waitUntil(async () => (await read()).length === 2);
    const voter = await makeUser();
    await b.request("PUT", `/api/v1/comments/${second.body.id}/vote`, { value: 1 }, voter.token);
    await waitUntil(async () => (await read())[1]!.score === 1);
  });

  it("carries a ban made or lifted through B to A, whose posts then check it afresh", async () => {
    const site = await makeSite();
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    await waitUntil(() => a.readCache.peer?.connected() === true);
    const dropped = jest.spyOn(a.readCache, "dropLocal");
    const ban = await b.request(
      "POST",
      `/api/v1/sites/${site._id}/bans`,
      { email: "troll@example.com", reason: "trolling" },
      mod.token,
    );
    expect(ban.status).toBe(201);
    await waitUntil(() => dropped.mock.calls.some(([scope]) => scope === `b\u0000${site._id}`));
    dropped.mockClear();
    await b.request(
      "DELETE",
      `/api/v1/sites/${site._id}/bans/${ban.body.id}`,
      undefined,
      mod.token,
    );
    await waitUntil(() => dropped.mock.calls.some(([scope]) => scope === `b\u0000${site._id}`));
    dropped.mockRestore();
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
