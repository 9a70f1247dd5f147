import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import request from "supertest";
import { ImportRecord } from "../../models/ImportRecord";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app } = makeApp();
const api = (p: string) => `/api/v1${p}`;
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "../fixtures/import", name));

type C = {
  id: string;
  parentId: string | null;
  depth: number;
  status: string;
  html: string;
  author: { name: string; profileUrl: string | null };
  replies: C[];
  createdAt: string;
  score: number;
};
type ImportStatus = {
  status: string;
  threads: number;
  comments: number;
  skipped: number;
  errors: { message: string; line?: number }[];
};

async function admin(settings = {}) {
  const site = await makeSite({ settings });
  const { auth } = await makeUser({ roles: [{ site: site._id, role: "admin" }] });
  return { site: site._id, auth };
}

/** Uploads a file and waits for its import to end; answers the import's final status. */
async function importFile(
  site: string,
  auth: Record<string, string>,
  body: Buffer,
  query = "",
  headers: Record<string, string> = {},
): Promise<ImportStatus> {
  const res = await request(app)
    .post(api(`/sites/${site}/imports${query}`))
    .set(auth)
    .set("content-type", "application/octet-stream")
    .set(headers)
    .send(body);
  expect(res.status).toBe(202);
  expect(res.body.id).toMatch(/^[0-9a-f]{24}$/);
  for (let i = 0; i < 200; i++) {
    const s = await request(app)
      .get(api(`/sites/${site}/imports/${res.body.id}`))
      .set(auth);
    expect(s.status).toBe(200);
    if (s.body.status !== "running") return s.body as ImportStatus;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the import did not end");
}

const thread = async (site: string, key: string, auth?: Record<string, string>) => {
  const res = await request(app)
    .get(api(`/sites/${site}/threads/${encodeURIComponent(key)}/comments?limit=100`))
    .set(auth ?? {});
  expect(res.status).toBe(200);
  return res.body as {
    thread: { title: string; open: boolean; commentCount: number; url: string };
    comments: C[];
  };
};
const flat = (cs: C[]): C[] => cs.flatMap((c) => [c, ...flat(c.replies)]);

describe("importing real export files", () => {
  it("imports the Disqus export with its nesting, keyed by the link's path", async () => {
    const { site, auth } = await admin();
    const result = await importFile(site, auth, fixture("artransfer-disqus.xml"));
    expect(result).toMatchObject({ status: "done", threads: 1, comments: 4, errors: [] });
    const page = await thread(site, "/disqus.html");
    expect(page.thread.commentCount).toBe(4);
    expect(page.comments).toHaveLength(2);
    const all = flat(page.comments);
    expect(all.map((c) => c.depth).sort()).toEqual([0, 0, 1, 2]);
    expect(all.some((c) => c.author.name === "what？")).toBe(true);
    expect(all[0]!.html).toBe("<p>test!</p>");
  });

  it("imports WordPress WXR 1.2 with guests, nesting and the closed page left out", async () => {
    const { site, auth } = await admin();
    const result = await importFile(site, auth, fixture("artransfer-wordpress.xml"));
    expect(result).toMatchObject({ status: "done", threads: 1, comments: 5 });
    const page = await thread(site, "1");
    expect(page.thread).toMatchObject({ title: "世界，您好！", commentCount: 5, open: true });
    expect(page.comments).toHaveLength(3);
    const depths = flat(page.comments).map((c) => c.depth);
    expect(Math.max(...depths)).toBe(2);
    expect(JSON.stringify(page)).not.toContain("wapuu@wordpress.example");
    expect(JSON.stringify(page)).not.toContain("test@example.com");
    const first = flat(page.comments).find((c) => c.html.includes("gravatar.com"))!;
    expect(first.html).toContain('<a href="https://gravatar.com" rel="nofollow ugc noopener"');
  });

  it.each(["wordpress-importer-valid-wxr-1.0.xml", "wordpress-importer-valid-wxr-1.1.xml"])(
    "imports %s, decoding the entity in its CDATA body",
    async (file) => {
      const { site, auth } = await admin();
      const result = await importFile(site, auth, fixture(file));
      expect(result).toMatchObject({ status: "done", threads: 1, comments: 1 });
      const page = await thread(site, "1");
      expect(page.thread.title).toBe("Hello world!");
      const [c] = page.comments;
      expect(c!.author).toMatchObject({
        name: "Mr WordPress",
        profileUrl: "http://wordpress.org/",
      });
      expect(c!.html).toContain("the post's comments");
      expect(c!.html).toContain("<br />");
    },
  );

  it("imports Commento's export, resolving commenters that come after their comments", async () => {
    const { site, auth } = await admin();
    const result = await importFile(site, auth, fixture("remark42-commento.json"), "?key=path");
    expect(result).toMatchObject({ status: "done", threads: 2, comments: 3 });
    const one = await thread(site, "/blog/post/1");
    expect(one.comments).toHaveLength(1);
    expect(one.comments[0]!.author.name).toBe("User5276");
    expect(one.comments[0]!.replies[0]!.author.name).toBe("Saturnin Uf");
    const two = await thread(site, "/blog/post/2");
    expect(two.comments[0]).toMatchObject({ score: 1, author: { name: "Anonymous" } });
    expect(JSON.stringify(one)).not.toContain("somegreatmail@gmail.com");
  });
});

describe("importing messy files", () => {
  it("keeps going past bad Disqus records, reporting each with its line", async () => {
    const { site, auth } = await admin();
    const { auth: modAuth } = await makeUser({ roles: [{ site, role: "moderator" }] });
    const result = await importFile(site, auth, fixture("messy/disqus-messy.xml"));
    expect(result.status).toBe("done");
    expect(result.threads).toBe(2);
    expect(result.comments).toBe(6);
    const messages = result.errors.map((e) => e.message).join("\n");
    expect(messages).toMatch(/duplicate comment id 1/);
    expect(messages).toMatch(/post 8 has no valid createdAt/);
    expect(messages).toMatch(/thread 404/);
    expect(result.errors.find((e) => /duplicate/.test(e.message))!.line).toBe(36);

    const hello = await thread(site, "post-100");
    expect(hello.thread).toMatchObject({
      title: "Café & <friends>",
      open: false,
      commentCount: 3,
      url: "https://blog.example/2020/01/hello/?utm=1",
    });
    // The reply that came before its parent is under it; the orphan is a root; spam is not shown.
    const roots = hello.comments.map((c) => c.author.name);
    expect(roots).toEqual(["Ann", "Cy"]);
    expect(hello.comments[0]!.replies.map((r) => r.author.name)).toEqual(["Bea"]);
    const html = flat(hello.comments)
      .map((c) => c.html)
      .join("");
    expect(html).not.toMatch(/<script|onerror|javascript:/i);
    expect(html).toContain("First &amp; foremost");
    expect(html).toContain("click");
    const queue = await request(app)
      .get(api(`/sites/${site}/moderation/queue?status=spam`))
      .set(modAuth);
    expect(queue.body.items.map((i: { comment: C }) => i.comment.author.name)).toEqual(["Spammer"]);

    // No identifier: keyed by the link's path. A deleted comment with a reply is a tombstone.
    const about = await thread(site, "/about/");
    expect(about.thread.commentCount).toBe(1);
    expect(about.comments[0]).toMatchObject({
      status: "deleted",
      html: "",
      author: { name: "[deleted]" },
    });
    expect(about.comments[0]!.replies[0]!.author.name).toBe("Eve");
  });

  it("skips pingbacks, keeps statuses and attaches replies beyond maxDepth as posting does", async () => {
    const { site, auth } = await admin({ maxDepth: 5 });
    const { auth: modAuth } = await makeUser({ roles: [{ site, role: "moderator" }] });
    const result = await importFile(site, auth, fixture("messy/wxr-messy.xml"));
    expect(result).toMatchObject({
      status: "done",
      threads: 1,
      comments: 13,
      skipped: 2,
      errors: [],
    });
    const page = await thread(site, "42");
    expect(page.thread).toMatchObject({ title: 'Entities & things – "quoted"', commentCount: 10 });
    const all = flat(page.comments);
    expect(all).toHaveLength(10);
    const ann = all.find((c) => c.author.name === "Ann & Co")!;
    expect(ann.author.profileUrl).toBeNull();
    expect(ann.html).toContain("<strong>bold</strong>");
    expect(ann.html).toContain("Nice post &amp; thanks<br />");
    const chain = all.filter((c) => /^<p>Level/.test(c.html));
    expect(chain.map((c) => c.depth)).toEqual([0, 1, 2, 3, 4, 4, 4, 4]);
    const deepest = chain.slice(4);
    expect(new Set(deepest.map((c) => c.parentId))).toEqual(new Set([chain[3]!.id]));
    const held = await request(app)
      .get(api(`/sites/${site}/moderation/queue?status=pending`))
      .set(modAuth);
    expect(held.body.items.map((i: { comment: C }) => i.comment.html)).toEqual(["<p>Hold me</p>"]);
  });

  it("imports the same file twice without adding anything", async () => {
    const { site, auth } = await admin();
    await importFile(site, auth, fixture("messy/disqus-messy.xml"));
    const before = await thread(site, "post-100");
    const again = await importFile(site, auth, fixture("messy/disqus-messy.xml"));
    expect(again).toMatchObject({ status: "done", comments: 0 });
    const after = await thread(site, "post-100");
    expect(after).toEqual(before);
    // What was staged to read the file is gone once it is written.
    expect(await ImportRecord.countDocuments({})).toBe(0);
  });

  it("accepts a gzip-compressed body and sniffs the format", async () => {
    const { site, auth } = await admin();
    const body = zlib.gzipSync(fixture("artransfer-wordpress.xml"));
    const result = await importFile(site, auth, body, "", { "content-encoding": "gzip" });
    expect(result).toMatchObject({ status: "done", comments: 5 });
  });
});

describe("import requests that cannot be taken", () => {
  it("answers 403 to a moderator, 401 to nobody, 400 to an unknown format", async () => {
    const { site, auth } = await admin();
    const { auth: modAuth } = await makeUser({ roles: [{ site, role: "moderator" }] });
    const url = api(`/sites/${site}/imports`);
    const body = fixture("artransfer-disqus.xml");
    expect((await request(app).post(url).set("content-type", "text/xml").send(body)).status).toBe(
      401,
    );
    const asMod = await request(app)
      .post(url)
      .set(modAuth)
      .set("content-type", "text/xml")
      .send(body);
    expect(asMod.status).toBe(403);
    const bad = await request(app)
      .post(`${url}?format=myspace`)
      .set(auth)
      .set("content-type", "text/xml")
      .send(body);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_request");
    const unknown = await request(app)
      .post(url)
      .set(auth)
      .set("content-type", "text/plain")
      .send(Buffer.from("just some words"));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toHaveProperty(["query.format"]);
  });

  it("answers 413 beyond IMPORT_MAX_BYTES, also for a gzip body that unpacks beyond it", async () => {
    const small = makeApp({ IMPORT_MAX_BYTES: "1000" }).app;
    const { site, auth } = await admin();
    const url = api(`/sites/${site}/imports?format=native`);
    const big = Buffer.from(`${JSON.stringify({ type: "site" })}\n`.repeat(200));
    const plain = await request(small)
      .post(url)
      .set(auth)
      .set("content-type", "application/x-ndjson")
      .send(big);
    expect(plain.status).toBe(413);
    const packed = await request(small)
      .post(url)
      .set(auth)
      .set("content-type", "application/x-ndjson")
      .set("content-encoding", "gzip")
      .send(zlib.gzipSync(big));
    expect(packed.status).toBe(413);
    expect(packed.body.error.code).toBe("payload_too_large");
  });
});
