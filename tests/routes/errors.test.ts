import request from "supertest";
import { Comment } from "../../models/Comment";
import { Session } from "../../models/Session";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeComment, makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app } = makeApp();
const api = (path: string) => `/api/v1${path}`;

function expectError(res: request.Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.type).toBe("application/json");
  expect(res.body.error).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
  expect(JSON.stringify(res.body)).not.toMatch(/at .+\.(ts|js):\d+/);
}

describe("request errors", () => {
  it("answers malformed JSON with 400 invalid_request", async () => {
    const site = await makeSite();
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/x/comments`))
      .set("content-type", "application/json")
      .send('{"body": "unterminated');
    expectError(res, 400, "invalid_request");
  });

  it("answers an oversized body with 413 payload_too_large", async () => {
    const site = await makeSite();
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/x/comments`))
      .send({ body: "x".repeat(200_000), guest: { name: "A", email: "a@example.com" } });
    expectError(res, 413, "payload_too_large");
  });

  it("answers a non-JSON body with 415 unsupported_media_type", async () => {
    const site = await makeSite();
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/x/comments`))
      .set("content-type", "text/plain")
      .send("body=hello");
    expectError(res, 415, "unsupported_media_type");
    const form = await request(app)
      .post(api(`/sites/${site._id}/threads/x/comments`))
      .type("form")
      .send({ body: "hi" });
    expectError(form, 415, "unsupported_media_type");
  });

  it("answers unknown endpoints with a JSON 404", async () => {
    expectError(await request(app).get(api("/nothing-here")), 404, "not_found");
    expectError(await request(app).get("/api/v2/sites"), 404, "not_found");
  });

  it("answers a bad, revoked or expired bearer token with 401", async () => {
    const site = await makeSite();
    const url = api(`/sites/${site._id}/threads/x/comments`);
    expectError(
      await request(app).get(url).set("Authorization", "Bearer not-a-real-token-at-all-123"),
      401,
      "unauthenticated",
    );
    expectError(
      await request(app).get(url).set("Authorization", "Basic abc"),
      401,
      "unauthenticated",
    );
    const u = await makeUser();
    await Session.updateMany({ user: u.user._id }, { $set: { revokedAt: new Date() } });
    expectError(await request(app).get(url).set(u.auth), 401, "unauthenticated");
    const v = await makeUser();
    await Session.updateMany(
      { user: v.user._id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    expectError(await request(app).get(url).set(v.auth), 401, "unauthenticated");
  });

  it("refuses NUL characters instead of storing them", async () => {
    const site = await makeSite();
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/x/comments`))
      .send({ body: "a\u0000b", guest: { name: "A", email: "a@example.com" } });
    expectError(res, 400, "invalid_request");
    expect(res.body.error.details).toHaveProperty("body");
  });

  it("refuses unknown fields in a body", async () => {
    const site = await makeSite();
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/x/comments`))
      .send({ body: "hi", status: "approved", guest: { name: "A", email: "a@example.com" } });
    expectError(res, 400, "invalid_request");
  });
});

describe("operator injection", () => {
  it("rejects Mongo operators in bodies", async () => {
    const site = await makeSite();
    const url = api(`/sites/${site._id}/threads/inj/comments`);
    const u = await makeUser();
    for (const body of [
      { body: { $gt: "" } },
      { body: "x", parentId: { $ne: null } },
      { body: "x", guest: { name: { $ne: "" }, email: "a@example.com" } },
    ]) {
      expectError(await request(app).post(url).set(u.auth).send(body), 400, "invalid_request");
    }
    const c = await makeComment(site._id, "inj");
    expectError(
      await request(app)
        .put(api(`/comments/${c._id}/vote`))
        .set(u.auth)
        .send({ value: { $gt: 0 } }),
      400,
      "invalid_request",
    );
    expect((await Comment.findById(c._id).lean())!.score).toBe(0);
  });

  it("rejects operators smuggled in query strings", async () => {
    const site = await makeSite();
    await makeComment(site._id, "q");
    const base = api(`/sites/${site._id}/threads/q/comments`);
    for (const qs of ["sort[$ne]=x", "limit[$gt]=1", "cursor[$gt]=", "sort=oldest&sort=newest"]) {
      expectError(await request(app).get(`${base}?${qs}`), 400, "invalid_request");
    }
    expectError(
      await request(app).get(api(`/sites/${site._id}/counts?keys[$ne]=x`)),
      400,
      "invalid_request",
    );
    // A key that looks like an operator is just a key.
    const odd = await request(app)
      .get(api(`/sites/${site._id}/counts`))
      .query({ keys: "$where,a.b" });
    expect(odd.body).toEqual({ counts: { $where: 0, "a.b": 0 } });
  });

  it("treats a thread key that looks like an operator as a plain key", async () => {
    const site = await makeSite();
    const res = await request(app)
      .post(api(`/sites/${site._id}/threads/${encodeURIComponent("$gt")}/comments`))
      .send({ body: "x", guest: { name: "A", email: "a@example.com" } });
    expect(res.status).toBe(201);
    expect(res.body.threadKey).toBe("$gt");
  });
});

describe("GET /healthz and /readyz", () => {
  it("answers ok while the process runs and the database answers", async () => {
    expect((await request(app).get("/healthz")).body).toEqual({ status: "ok" });
    const ready = await request(app).get("/readyz");
    expect(ready.status).toBe(200);
  });
});
