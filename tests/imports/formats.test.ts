import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import request from "supertest";
import { User } from "../../models/User";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

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
  pinned: boolean;
  score: number;
  editedAt: string | null;
  author: { name: string; avatarUrl: string | null };
  replies: C[];
};

async function admin() {
  const site = await makeSite();
  const { auth } = await makeUser({ roles: [{ site: site._id, role: "admin" }] });
  return { site: site._id, auth };
}

async function importFile(site: string, auth: Record<string, string>, body: Buffer, query = "") {
  const res = await request(app)
    .post(api(`/sites/${site}/imports${query}`))
    .set(auth)
    .set("content-type", "application/octet-stream")
    .send(body);
  expect(res.status).toBe(202);
  for (;;) {
    const s = await request(app)
      .get(api(`/sites/${site}/imports/${res.body.id}`))
      .set(auth);
    if (s.body.status !== "running")
      return s.body as Record<string, unknown> & { errors: { message: string; line?: number }[] };
    await new Promise((r) => setTimeout(r, 50));
  }
}

const comments = async (site: string, key: string, sort = "oldest") => {
  const res = await request(app).get(
    api(`/sites/${site}/threads/${encodeURIComponent(key)}/comments?sort=${sort}`),
  );
  expect(res.status).toBe(200);
  return res.body as { thread: { title: string; commentCount: number }; comments: C[] };
};

const exportOf = async (site: string, auth: Record<string, string>) => {
  const res = await request(app)
    .get(api(`/sites/${site}/export`))
    .set(auth)
    .buffer(true)
    .parse((r, cb) => {
      let data = "";
      r.on("data", (c: Buffer) => (data += c.toString()));
      r.on("end", () => cb(null, data));
    });
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/x-ndjson/);
  return (res.body as string)
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
};

describe("Remark42 backups", () => {
  it("imports threads by URL, pins, scores, edits and deletions, reporting the bad lines", async () => {
    const { site, auth } = await admin();
    const result = await importFile(site, auth, fixture("messy/remark42-backup.jsonl"));
    expect(result).toMatchObject({ status: "done", threads: 2, comments: 4 });
    expect(result.errors).toEqual([
      { message: "not a JSON line", line: 5 },
      { message: "comment c5 has no valid time", line: 7 },
    ]);
    const one = await comments(site, "/p/1/");
    expect(one.thread).toMatchObject({ title: "Episode 1", commentCount: 2 });
    expect(one.comments).toHaveLength(1);
    const [c1] = one.comments;
    expect(c1).toMatchObject({
      pinned: true,
      score: 2,
      html: "<p>Hello <strong>world</strong></p>",
    });
    expect(c1!.author.avatarUrl).toBe("https://remark42.com/p.png");
    expect(c1!.replies[0]).toMatchObject({ score: -1, html: "<p>a <em>reply</em></p>" });
    expect(c1!.replies[0]!.editedAt).toBe("2019-01-01T11:05:00.000Z");
    expect(c1!.replies[0]!.author.avatarUrl).toBeNull();
    const top = await comments(site, "/p/1/", "top");
    expect(top.comments.map((c) => c.id)).toEqual([c1!.id]);
  });
});

describe("Isso databases", () => {
  it("reads threads and comments from comments.db", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "isso-test-"));
    const file = path.join(dir, "comments.db");
    // Isso's own schema (isso/db/threads.py and comments.py).
    const db = new Database(file);
    db.exec(`
      CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
      CREATE TABLE comments (
        tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
        created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
        text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
        likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
        notification INTEGER DEFAULT 0);
      INSERT INTO threads VALUES (1, '/posts/isso/', 'Isso & me');
      INSERT INTO comments VALUES (1, 1, NULL, 1600000000.5, NULL, 1, '127.0.0.0', 'First *one*', 'Ida', 'ida@example.com', 'https://ida.example', 3, 1, x'', 0);
      INSERT INTO comments VALUES (1, 2, 1, 1600000100, 1600000200, 1, '127.0.0.0', 'A reply', NULL, NULL, NULL, 0, 0, x'', 0);
      INSERT INTO comments VALUES (1, 3, NULL, 1600000300, NULL, 2, '127.0.0.0', 'Waiting', 'Hal', 'hal@example.com', NULL, 0, 0, x'', 0);
    `);
    db.close();
    const { site, auth } = await admin();
    const result = await importFile(site, auth, fs.readFileSync(file));
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result).toMatchObject({ status: "done", format: "isso", threads: 1, comments: 3 });
    const page = await comments(site, "/posts/isso/");
    expect(page.thread).toMatchObject({ title: "Isso & me", commentCount: 2 });
    expect(page.comments).toHaveLength(1);
    expect(page.comments[0]).toMatchObject({ score: 2, html: "<p>First <em>one</em></p>" });
    expect(page.comments[0]!.replies[0]!.author.name).toBe("Anonymous");
  });

  it("fails cleanly on a file that is not an Isso database", async () => {
    const { site, auth } = await admin();
    const result = await importFile(
      site,
      auth,
      Buffer.from("SQLite format 3\u0000garbage"),
      "?format=isso",
    );
    expect(result.status).toBe("done");
    expect(result.comments).toBe(0);
    expect(result.errors[0]!.message).toMatch(/not an Isso database/);
  });
});

describe("export and the round trip", () => {
  it("exports every status with guest emails, and a native import of it exports the same records", async () => {
    const { site, auth } = await admin();
    await importFile(site, auth, fixture("messy/disqus-messy.xml"));
    await makeComment(site, "/about/", { body: "Posted here, not imported" });
    const first = await exportOf(site, auth);
    expect(first[0]).toMatchObject({ type: "site", id: site });
    const threads = first.filter((l) => l.type === "thread");
    expect(threads.map((t) => t.key).sort()).toEqual(["/about/", "post-100"]);
    const lines = first.filter((l) => l.type === "comment");
    expect(lines.map((l) => l.status).sort()).toEqual([
      "approved",
      "approved",
      "approved",
      "approved",
      "approved",
      "deleted",
      "spam",
    ]);
    expect(lines.find((l) => (l.author as { name: string }).name === "Bea")!.author).toMatchObject({
      email: "bea@example.com",
      provider: "guest",
    });

    const copy = await makeSite();
    const result = await importFile(
      copy._id,
      (await makeUser({ roles: [{ site: copy._id, role: "admin" }] })).auth,
      Buffer.from(first.map((l) => JSON.stringify(l)).join("\n")),
    );
    expect(result).toMatchObject({ status: "done", format: "native", comments: 7, errors: [] });
    const { auth: copyAuth } = await makeUser({ roles: [{ site: copy._id, role: "admin" }] });
    const second = await exportOf(copy._id, copyAuth);

    // Ids are new in the copy; everything else, parents included (by what they point to), is equal.
    const comparable = (all: Record<string, unknown>[]) => {
      const byId = new Map(all.filter((l) => l.type === "comment").map((l) => [l.id, l]));
      const describe = (l: Record<string, unknown> | undefined): string =>
        l ? `${String(l.createdAt)}|${String((l.author as { name: string }).name)}` : "none";
      return all
        .filter((l) => l.type !== "site")
        .map((l) => {
          if (l.type !== "comment") return l;
          const { id: _id, parentId, ...rest } = l;
          return { ...rest, parent: describe(byId.get(parentId)) };
        })
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    };
    expect(comparable(second)).toEqual(comparable(first));
  });

  it("answers 403 to a moderator asking for the export", async () => {
    const { site } = await admin();
    const { auth } = await makeUser({ roles: [{ site, role: "moderator" }] });
    expect(
      (
        await request(app)
          .get(api(`/sites/${site}/export`))
          .set(auth)
      ).status,
    ).toBe(403);
  });
});

describe("importing into a thread that already has comments", () => {
  it("adds only what is new, after what is there, nested where the file says", async () => {
    const { site, auth } = await admin();
    await importFile(site, auth, fixture("messy/disqus-messy.xml"));
    const posted = await makeComment(site, "/about/", { body: "Posted between the imports" });
    const later = fixture("messy/disqus-messy.xml")
      .toString()
      .replace(
        "</disqus>",
        `<post dsq:id="50"><message><![CDATA[<p>A later reply to Eve</p>]]></message>
         <createdAt>2020-06-01T10:00:00Z</createdAt><author><name>Hana</name></author>
         <thread dsq:id="200" /><parent dsq:id="7" /></post>
         <post dsq:id="51"><message><![CDATA[<p>A later root</p>]]></message>
         <createdAt>2020-06-02T10:00:00Z</createdAt><author><name>Ivo</name></author>
         <thread dsq:id="200" /></post></disqus>`,
      );
    const result = await importFile(site, auth, Buffer.from(later));
    expect(result).toMatchObject({ status: "done", comments: 2 });
    const page = await comments(site, "/about/");
    expect(page.thread.commentCount).toBe(4);
    // Oldest first: Ivo's comment of 2020 comes before the one just posted.
    expect(page.comments.map((c) => c.author.name)).toEqual(["[deleted]", "Ivo", "Guest"]);
    expect(page.comments[0]!.replies[0]!.author.name).toBe("Eve");
    expect(page.comments[0]!.replies[0]!.replies.map((r) => r.author.name)).toEqual(["Hana"]);
    expect(page.comments[2]!.id).toBe(posted._id.toHexString());
  });
});

describe("POST /api/v1/sites", () => {
  it("lets an admin of every site create one, and nobody else", async () => {
    const { user, auth } = await makeUser();
    const body = { id: "new-blog", name: "New blog", origins: ["https://new.example"] };
    expect((await request(app).post(api("/sites")).set(auth).send(body)).status).toBe(403);
    expect((await request(app).post(api("/sites")).send(body)).status).toBe(401);
    await User.updateOne({ _id: user._id }, { $set: { adminOfAllSites: true } });
    const made = await request(app).post(api("/sites")).set(auth).send(body);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      site: "new-blog",
      name: "New blog",
      origins: ["https://new.example"],
      preModeration: "first_comment",
    });
    expect((await request(app).post(api("/sites")).set(auth).send(body)).status).toBe(409);
    const bad = await request(app)
      .post(api("/sites"))
      .set(auth)
      .send({ id: "Bad Slug!", name: "x" });
    expect(bad.status).toBe(400);
    const thread = await request(app).get(api("/sites/new-blog/threads/a"));
    expect(thread.status).toBe(200);
  });
});
