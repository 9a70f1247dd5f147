import path from "node:path";
import { PassThrough } from "node:stream";
import request from "supertest";
import { runAdmin, UsageError, AdminError } from "../../scripts/admin";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";

useTestDatabase();
const { app } = makeApp();
const fixture = (name: string) => path.join(__dirname, "../fixtures/import", name);

const collect = () => {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
};

describe("npm run admin -- import / export", () => {
  it("imports a file with a closing summary, its errors on stderr, and exports the site", async () => {
    const site = await makeSite();
    const err = collect();
    const said = await runAdmin(["import", fixture("messy/disqus-messy.xml"), "--site", site._id], {
      err: err.stream,
    });
    expect(said).toMatch(
      /^import [0-9a-f]{24} done: 2 threads, 6 comments added, 0 skipped, 3 errors \(disqus, [\d.]+ s\)$/,
    );
    expect(err.text()).toMatch(/^line 36: duplicate comment id 1$/m);
    const page = await request(app).get(`/api/v1/sites/${site._id}/threads/post-100/comments`);
    expect(page.body.thread.commentCount).toBe(3);

    const out = collect();
    expect(await runAdmin(["export", "--site", site._id], { out: out.stream })).toBe(
      `exported 9 lines of ${site._id}`,
    );
    const lines = out
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type).filter((t) => t === "comment")).toHaveLength(6);
  });

  it("refuses a missing site, an unknown format and an unreadable file", async () => {
    const site = await makeSite();
    await expect(
      runAdmin(["import", fixture("artransfer-disqus.xml"), "--site", "nope"]),
    ).rejects.toBeInstanceOf(AdminError);
    await expect(
      runAdmin(["import", fixture("artransfer-disqus.xml"), "--site", site._id, "--format", "csv"]),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      runAdmin(["import", "/no/such/file.xml", "--site", site._id]),
    ).rejects.toBeInstanceOf(AdminError);
    await expect(runAdmin(["import", "--site", site._id])).rejects.toBeInstanceOf(UsageError);
  });
});
