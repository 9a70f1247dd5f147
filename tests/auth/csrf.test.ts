import request from "supertest";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app, config } = makeApp();

/** A moderator signed in by the cs_session cookie, as /admin is, and a comment to act on. */
async function moderatorWithCookie() {
  const site = await makeSite();
  const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
  const comment = await makeComment(site._id, "t");
  const act = () =>
    request(app)
      .post(`/api/v1/comments/${comment._id.toHexString()}/moderation`)
      .set("Cookie", `cs_session=${mod.token}`)
      .send({ action: "pin" });
  return { site, mod, comment, act };
}

describe("changes signed in by the session cookie (CSRF)", () => {
  it("are refused from another origin, even one of the same site", async () => {
    const { act } = await moderatorWithCookie();
    for (const origin of ["https://evil.example", "http://localhost:3001", "null"]) {
      const res = await act().set("Origin", origin);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    // A browser that leaves Origin out still says where the request came from.
    const bySite = await act().set("Sec-Fetch-Site", "same-site");
    expect(bySite.status).toBe(403);
  });

  it("go through from the service's own pages", async () => {
    const { act, comment } = await moderatorWithCookie();
    const res = await act().set("Origin", config.publicOrigin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: comment._id.toHexString(), pinned: true });
    expect((await act().set("Sec-Fetch-Site", "same-origin")).status).toBe(200);
  });

  it("leave reads and bearer tokens alone", async () => {
    const { mod, site, comment } = await moderatorWithCookie();
    const read = await request(app)
      .get(`/api/v1/sites/${site._id}/moderation/queue`)
      .set("Cookie", `cs_session=${mod.token}`)
      .set("Origin", "https://evil.example");
    expect(read.status).toBe(200);
    const bearer = await request(app)
      .post(`/api/v1/comments/${comment._id.toHexString()}/moderation`)
      .set("Authorization", `Bearer ${mod.token}`)
      .set("Origin", "https://evil.example")
      .send({ action: "pin" });
    expect(bearer.status).toBe(200);
  });
});
