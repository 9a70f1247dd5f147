import request from "supertest";
import { Comment, ROOT_BUCKET_SIZE } from "../../models/Comment";
import { Thread } from "../../models/Thread";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app } = makeApp();
const api = (path: string) => `/api/v1${path}`;
type C = {
  id: string;
  depth: number;
  parentId: string | null;
  replies: C[];
  moreReplies: number;
  repliesCursor: string | null;
};

describe("GET /api/v1/sites/:site/threads/:key", () => {
  it("answers a thread with no comments without creating it", async () => {
    const site = await makeSite();
    const res = await request(app).get(api(`/sites/${site._id}/threads/never-commented`));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      site: site._id,
      key: "never-commented",
      open: true,
      commentCount: 0,
    });
    expect(res.body.settings).toEqual({
      requireLogin: false,
      allowGuests: true,
      providers: [],
      maxDepth: 5,
      editWindowSeconds: 900,
    });
    expect(await Thread.countDocuments({ site: site._id })).toBe(0);
  });

  it("answers 404 not_found for an unknown site", async () => {
    const res = await request(app).get(api("/sites/no-such-site/threads/a"));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("POST /api/v1/sites/:site/threads/:key/comments", () => {
  it("creates the thread on its first comment with its url and title", async () => {
    const site = await makeSite();
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/p1/comments`))
      .send({
        body: "First!",
        url: "https://blog.example/p1",
        title: "Post one",
        guest: { name: "Ann", email: "ann@example.com" },
      });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "approved",
      depth: 0,
      parentId: null,
      html: "<p>First!</p>",
    });
    const thread = await request(app).get(api(`/sites/${site._id}/threads/p1`));
    expect(thread.body).toMatchObject({
      url: "https://blog.example/p1",
      title: "Post one",
      commentCount: 1,
    });
  });

  it("nests replies and attaches one deeper than maxDepth to the deepest allowed ancestor", async () => {
    const site = await makeSite({ settings: { maxDepth: 3 } });
    const root = await makeComment(site._id, "t");
    const d1 = await makeComment(site._id, "t", { parentId: root._id.toHexString() });
    const d2 = await makeComment(site._id, "t", { parentId: d1._id.toHexString() });
    const { auth } = await makeUser();
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/t/comments`))
      .set(auth)
      .send({ body: "too deep", parentId: d2._id.toHexString() });
    expect(res.status).toBe(201);
    expect(res.body.depth).toBe(2);
    expect(res.body.parentId).toBe(d1._id.toHexString());

    const list = await request(app).get(api(`/sites/${site._id}/threads/t/comments`));
    const tree = list.body.comments[0] as C;
    expect(tree.id).toBe(root._id.toHexString());
    expect(tree.replies.map((r) => r.id)).toEqual([d1._id.toHexString()]);
    expect(tree.replies[0]!.replies.map((r) => [r.id, r.depth])).toEqual([
      [d2._id.toHexString(), 2],
      [res.body.id, 2],
    ]);
  });

  it("flattens replies into roots' level when maxDepth is 1", async () => {
    const site = await makeSite({ settings: { maxDepth: 1 } });
    const root = await makeComment(site._id, "flat");
    const reply = await makeComment(site._id, "flat", { parentId: root._id.toHexString() });
    expect(reply.depth).toBe(0);
    expect(reply.parentId).toBeNull();
  });

  it("refuses a parent from another thread", async () => {
    const site = await makeSite();
    const other = await makeComment(site._id, "other");
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/here/comments`))
      .send({
        body: "x",
        parentId: other._id.toHexString(),
        guest: { name: "A", email: "a@example.com" },
      });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });

  it("never returns a guest's email and gives guests a Gravatar", async () => {
    const site = await makeSite();
    const posted = await request(app)
      .post(api(`/sites/${site._id}/threads/e/comments`))
      .send({
        body: "hi",
        guest: {
          name: "Secret",
          email: "Secret.Person@Example.com",
          website: "https://secret.example",
        },
      });
    const list = await request(app).get(api(`/sites/${site._id}/threads/e/comments`));
    const one = await request(app).get(api(`/comments/${posted.body.id}`));
    for (const res of [posted, list, one]) {
      expect(JSON.stringify(res.body).toLowerCase()).not.toContain("secret.person@example.com");
    }
    expect(one.body.author).toMatchObject({
      name: "Secret",
      provider: "guest",
      profileUrl: "https://secret.example",
    });
    expect(one.body.author.avatarUrl).toMatch(
      /^https:\/\/www\.gravatar\.com\/avatar\/[0-9a-f]{64}/,
    );
    expect(one.body.body).toBeUndefined();
  });

  it("shows the Markdown body to its author only", async () => {
    const site = await makeSite();
    const author = await makeUser();
    const other = await makeUser();
    const posted = await request(app)
      .post(api(`/sites/${site._id}/threads/b/comments`))
      .set(author.auth)
      .send({ body: "**bold**" });
    expect(posted.body.body).toBe("**bold**");
    const asOther = await request(app)
      .get(api(`/comments/${posted.body.id}`))
      .set(other.auth);
    expect(asOther.body.body).toBeUndefined();
    expect(asOther.body.html).toBe("<p><strong>bold</strong></p>");
  });

  describe("guests", () => {
    it("asks a guest for a name and an email", async () => {
      const site = await makeSite();
      const res = await request(app)
        .post(api(`/sites/${site._id}/threads/g/comments`))
        .send({ body: "anonymous" });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: "invalid_request",
        details: { guest: "required" },
      });
      const noEmail = await request(app)
        .post(api(`/sites/${site._id}/threads/g/comments`))
        .send({ body: "x", guest: { name: "Ann" } });
      expect(noEmail.status).toBe(400);
      expect(noEmail.body.error.details).toHaveProperty(["guest.email"]);
      const badEmail = await request(app)
        .post(api(`/sites/${site._id}/threads/g/comments`))
        .send({ body: "x", guest: { name: "Ann", email: "not-an-email" } });
      expect(badEmail.body.error.details).toHaveProperty(["guest.email"]);
    });

    it.each([
      ["requireLogin", { requireLogin: true }],
      ["allowGuests off", { allowGuests: false }],
    ])("answers 403 login_required to guests when %s", async (_name, settings) => {
      const site = await makeSite({ settings });
      const res = await request(app)
        .post(api(`/sites/${site._id}/threads/g/comments`))
        .send({ body: "x", guest: { name: "Ann", email: "ann@example.com" } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("login_required");
      const { auth } = await makeUser();
      const signedIn = await request(app)
        .post(api(`/sites/${site._id}/threads/g/comments`))
        .set(auth)
        .send({ body: "x" });
      expect(signedIn.status).toBe(201);
    });
  });

  describe("bodies", () => {
    it("trims bodies and refuses empty and over-long ones", async () => {
      const site = await makeSite();
      const { auth } = await makeUser();
      const url = api(`/sites/${site._id}/threads/len/comments`);
      expect(
        (await request(app).post(url).set(auth).send({ body: "   " })).body.error.details,
      ).toHaveProperty("body");
      expect(
        (
          await request(app)
            .post(url)
            .set(auth)
            .send({ body: "x".repeat(10_001) })
        ).status,
      ).toBe(400);
      const ok = await request(app)
        .post(url)
        .set(auth)
        .send({ body: `  ${"y".repeat(10_000)}  ` });
      expect(ok.status).toBe(201);
      expect(ok.body.body).toHaveLength(10_000);
    });

    /** The real tags of an HTML string (escaped text such as &lt;script&gt; is not a tag). */
    const tagsIn = (html: string) =>
      [...html.matchAll(/<([a-z][a-z0-9]*)([^>]*)>/gi)].map((m) => ({
        name: m[1]!.toLowerCase(),
        attrs: m[2]!,
      }));

    it.each([
      "<script>alert(1)</script>",
      '<img src=x onerror="alert(1)">',
      "[click](javascript:alert(1))",
      "[click](JaVaScRiPt:alert(1))",
      "[x](data:text/html;base64,PHNjcmlwdD4=)",
      '<a href="https://x.example" onclick="steal()">x</a>',
      "<iframe src=https://evil.example></iframe>",
      "![tracker](https://evil.example/pixel.png)",
      "<svg onload=alert(1)>",
      "[x](vbscript:msgbox(1))",
      '<http://ok.example/"onmouseover="alert(1)>',
    ])("neutralises %s", async (payload) => {
      const site = await makeSite();
      const { auth } = await makeUser();
      const res = await request(app)
        .post(api(`/sites/${site._id}/threads/xss/comments`))
        .set(auth)
        .send({ body: payload });
      expect(res.status).toBe(201);
      for (const tag of tagsIn(res.body.html)) {
        expect(["p", "a", "em", "strong", "code", "br"]).toContain(tag.name);
        expect(tag.attrs).not.toMatch(/\son\w+\s*=/i);
        if (tag.name === "a")
          expect(tag.attrs).toMatch(
            /^ href="https?:\/\/[^"\s]+" rel="nofollow ugc noopener" target="_blank"$/,
          );
      }
    });

    it("keeps Markdown formatting and marks links nofollow ugc noopener", async () => {
      const site = await makeSite();
      const { auth } = await makeUser();
      const res = await request(app)
        .post(api(`/sites/${site._id}/threads/md/comments`))
        .set(auth)
        .send({ body: "*hi* see [docs](https://docs.example/a)" });
      expect(res.body.html).toBe(
        '<p><em>hi</em> see <a href="https://docs.example/a" rel="nofollow ugc noopener" target="_blank">docs</a></p>',
      );
    });
  });
});

describe("GET /api/v1/sites/:site/threads/:key/comments", () => {
  async function pageThrough(
    site: string,
    key: string,
    sort: string,
    limit: number,
    between?: () => Promise<void>,
  ) {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await request(app)
        .get(api(`/sites/${site}/threads/${key}/comments`))
        .query({ sort, limit, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      ids.push(...res.body.comments.map((c: C) => c.id));
      cursor = res.body.nextCursor;
      if (between) await between();
      pages++;
    } while (cursor && pages < 100);
    return ids;
  }

  it("pages through roots oldest first across buckets, without duplicates or gaps while comments arrive", async () => {
    const site = await makeSite();
    for (let i = 0; i < 70; i++) await makeComment(site._id, "long");
    const all = (await Comment.find({ site: site._id, depth: 0 }).sort({ _id: 1 }).lean()).map(
      (c) => c._id.toHexString(),
    );
    const added: string[] = [];
    const ids = await pageThrough(site._id, "long", "oldest", 7, async () => {
      added.push((await makeComment(site._id, "long"))._id.toHexString());
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 70)).toEqual(all);
    // Comments posted while paging come after the ones that were there, none lost.
    const seenAdded = ids.slice(70);
    expect(seenAdded.length).toBeGreaterThan(0);
    expect(added.slice(0, seenAdded.length)).toEqual(seenAdded);
  });

  it("pages a thread stored before threads kept their own bucket size (buckets of 32) in both orders", async () => {
    const site = await makeSite();
    await Thread.create({ site: site._id, key: "legacy" });
    const made: string[] = [];
    for (let i = 0; i < 45; i++)
      made.push((await makeComment(site._id, "legacy"))._id.toHexString());
    const stored = await Comment.find({ threadKey: "legacy", site: site._id }).lean();
    expect(Math.max(...stored.map((c) => c.bucket))).toBe(1);
    expect(await pageThrough(site._id, "legacy", "oldest", 20)).toEqual(made);
    expect(await pageThrough(site._id, "legacy", "newest", 20)).toEqual([...made].reverse());
    // A thread created now holds a first page's worth of roots per bucket.
    await makeComment(site._id, "fresh-buckets");
    expect(
      (await Thread.findOne({ site: site._id, key: "fresh-buckets" }).lean())?.bucketSize,
    ).toBe(ROOT_BUCKET_SIZE);
  });

  it("pages newest first; comments posted meanwhile do not shift later pages", async () => {
    const site = await makeSite();
    const made: string[] = [];
    for (let i = 0; i < 12; i++) made.push((await makeComment(site._id, "n"))._id.toHexString());
    const ids = await pageThrough(site._id, "n", "newest", 5, async () => {
      await makeComment(site._id, "n");
    });
    expect(ids).toEqual([...made].reverse());
  });

  /** `n` readers vote the comment up. */
  async function voteUp(id: string, n: number) {
    for (let i = 0; i < n; i++) {
      const voter = await makeUser();
      await request(app)
        .put(api(`/comments/${id}/vote`))
        .set(voter.auth)
        .send({ value: 1 })
        .expect(200);
    }
  }

  it("sorts top by score, ties oldest first, with pinned comments first", async () => {
    const site = await makeSite();
    const c = [];
    for (let i = 0; i < 5; i++) c.push(await makeComment(site._id, "top"));
    // Scores through real votes; the later of the two at 2 reaches it first, and still comes second.
    await voteUp(c[1]!._id.toHexString(), 5);
    await voteUp(c[4]!._id.toHexString(), 2);
    await voteUp(c[3]!._id.toHexString(), 2);
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    await request(app)
      .post(api(`/comments/${c[0]!._id}/moderation`))
      .set(mod.auth)
      .send({ action: "pin" })
      .expect(200);
    const ids = await pageThrough(site._id, "top", "top", 2);
    const hex = c.map((x) => x._id.toHexString());
    expect(ids).toEqual([hex[0], hex[1], hex[3], hex[4], hex[2]]);
  });

  it("pages top across root buckets without duplicates or gaps while votes move roots and comments arrive", async () => {
    const site = await makeSite();
    const roots: string[] = [];
    for (let i = 0; i < 70; i++)
      roots.push((await makeComment(site._id, "rank"))._id.toHexString());
    await voteUp(roots[50]!, 2);
    await voteUp(roots[40]!, 1);
    await voteUp(roots[10]!, 1);
    // Back to 0: it returns to its place among the roots at 0.
    const voter = await makeUser();
    await request(app)
      .put(api(`/comments/${roots[10]}/vote`))
      .set(voter.auth)
      .send({ value: -1 })
      .expect(200);
    await request(app)
      .put(api(`/comments/${roots[60]}/vote`))
      .set(voter.auth)
      .send({ value: -1 })
      .expect(200);
    const arrived: string[] = [];
    const ids = await pageThrough(site._id, "rank", "top", 7, async () => {
      arrived.push((await makeComment(site._id, "rank"))._id.toHexString());
    });
    const zeros = roots.filter((_, i) => ![50, 40, 60].includes(i));
    expect(ids).toEqual([
      roots[50],
      roots[40],
      ...zeros,
      ...arrived.slice(0, ids.length - 70),
      roots[60],
    ]);
  });

  it("shows each root's replies in tree order under every sort, pinned roots included", async () => {
    const site = await makeSite();
    const a = await makeComment(site._id, "trees");
    const b = await makeComment(site._id, "trees");
    const a1 = await makeComment(site._id, "trees", { parentId: a._id.toHexString() });
    const b1 = await makeComment(site._id, "trees", { parentId: b._id.toHexString() });
    const a1x = await makeComment(site._id, "trees", { parentId: a1._id.toHexString() });
    const a2 = await makeComment(site._id, "trees", { parentId: a._id.toHexString() });
    await voteUp(b._id.toHexString(), 3);
    const shape = (list: C[]): unknown => list.map((c) => [c.id, shape(c.replies)]);
    const hex = (x: { _id: { toHexString(): string } }) => x._id.toHexString();
    const aTree = [
      hex(a),
      [
        [hex(a1), [[hex(a1x), []]]],
        [hex(a2), []],
      ],
    ];
    const bTree = [hex(b), [[hex(b1), []]]];
    const get = async (sort: string) =>
      shape(
        (
          await request(app)
            .get(api(`/sites/${site._id}/threads/trees/comments`))
            .query({ sort })
        ).body.comments,
      );
    expect(await get("oldest")).toEqual([aTree, bTree]);
    expect(await get("newest")).toEqual([bTree, aTree]);
    expect(await get("top")).toEqual([bTree, aTree]);
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    await request(app)
      .post(api(`/comments/${hex(a)}/moderation`))
      .set(mod.auth)
      .send({ action: "pin" })
      .expect(200);
    expect(await get("top")).toEqual([aTree, bTree]);
    expect(await get("newest")).toEqual([aTree, bTree]);
  });

  it("cuts replies at replyLimit and continues them through /comments/:id/replies in tree order", async () => {
    const site = await makeSite();
    const root = await makeComment(site._id, "r");
    const a = await makeComment(site._id, "r", { parentId: root._id.toHexString() });
    const a1 = await makeComment(site._id, "r", { parentId: a._id.toHexString() });
    const b = await makeComment(site._id, "r", { parentId: root._id.toHexString() });
    const a2 = await makeComment(site._id, "r", { parentId: a._id.toHexString() });
    const b1 = await makeComment(site._id, "r", { parentId: b._id.toHexString() });
    const treeOrder = [a, a1, a2, b, b1].map((x) => x._id.toHexString());

    const res = await request(app)
      .get(api(`/sites/${site._id}/threads/r/comments`))
      .query({ replyLimit: 2 });
    const top = res.body.comments[0] as C;
    expect(top.replies.map((r) => r.id)).toEqual([treeOrder[0]]);
    expect(top.replies[0]!.replies.map((r) => r.id)).toEqual([treeOrder[1]]);
    expect(top.moreReplies).toBe(3);
    expect(top.repliesCursor).toEqual(expect.any(String));

    const rest = await request(app)
      .get(api(`/comments/${root._id.toHexString()}/replies`))
      .query({ cursor: top.repliesCursor, limit: 2 });
    expect(rest.status).toBe(200);
    const flat = (list: C[]): string[] => list.flatMap((x) => [x.id, ...flat(x.replies)]);
    expect(flat(rest.body.comments)).toEqual([treeOrder[2], treeOrder[3]]);
    const last = await request(app)
      .get(api(`/comments/${root._id.toHexString()}/replies`))
      .query({ cursor: rest.body.nextCursor });
    expect(flat(last.body.comments)).toEqual([treeOrder[4]]);
    expect(last.body.nextCursor).toBeNull();
  });

  it("refuses a garbled cursor and a cursor from another sort order", async () => {
    const site = await makeSite();
    for (let i = 0; i < 3; i++) await makeComment(site._id, "cur");
    const url = api(`/sites/${site._id}/threads/cur/comments`);
    const bad = await request(app).get(url).query({ cursor: "!!not-a-cursor" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual({ cursor: "invalid" });
    const page = await request(app).get(url).query({ limit: 1, sort: "oldest" });
    const mixed = await request(app).get(url).query({ cursor: page.body.nextCursor, sort: "top" });
    expect(mixed.status).toBe(400);
  });

  it("validates sort and limit", async () => {
    const site = await makeSite();
    const url = api(`/sites/${site._id}/threads/v/comments`);
    expect(
      (await request(app).get(url).query({ sort: "random" })).body.error.details,
    ).toHaveProperty(["query.sort"]);
    expect((await request(app).get(url).query({ limit: 101 })).body.error.details).toHaveProperty([
      "query.limit",
    ]);
    expect((await request(app).get(url).query({ limit: 0 })).status).toBe(400);
  });
});

describe("GET /api/v1/sites/:site/counts", () => {
  it("counts approved comments per key, zero for unknown keys", async () => {
    const site = await makeSite();
    await makeComment(site._id, "a");
    await makeComment(site._id, "a");
    await makeComment(site._id, "b");
    const res = await request(app)
      .get(api(`/sites/${site._id}/counts`))
      .query({ keys: "a,b,c" });
    expect(res.body).toEqual({ counts: { a: 2, b: 1, c: 0 } });
  });

  it("takes up to 100 keys", async () => {
    const site = await makeSite();
    const keys = Array.from({ length: 101 }, (_, i) => `k${i}`);
    const res = await request(app)
      .get(api(`/sites/${site._id}/counts`))
      .query({ keys: keys.join(",") });
    expect(res.status).toBe(400);
    expect((await request(app).get(api(`/sites/${site._id}/counts`))).status).toBe(400);
    const ok = await request(app)
      .get(api(`/sites/${site._id}/counts`))
      .query({ keys: keys.slice(0, 100).join(",") });
    expect(Object.keys(ok.body.counts)).toHaveLength(100);
  });

  it("keeps keys like __proto__ as plain keys", async () => {
    const site = await makeSite();
    const res = await request(app)
      .get(api(`/sites/${site._id}/counts`))
      .query({ keys: "__proto__,constructor" });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"counts":{"__proto__":0,"constructor":0}}');
  });
});
