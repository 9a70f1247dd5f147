import crypto from "node:crypto";
import request from "supertest";
import { sessionCookieOptions } from "../../auth/sessions";
import { loadConfig } from "../../config";
import { Ban } from "../../models/Ban";
import { Session } from "../../models/Session";
import { Identity } from "../../models/User";
import type { DomainEventMap } from "../../server/events";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";

useTestDatabase();

const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

describe("GET /api/v1/me", () => {
  it("answers 401 without a token", async () => {
    const res = await request(makeApp().app).get("/api/v1/me");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: "unauthenticated", message: expect.any(String) } });
  });

  it("answers the User with its identities and per-site roles", async () => {
    const { user, auth } = await makeUser({
      name: "Grace",
      provider: "twitter",
      roles: [
        { site: "alpha", role: "moderator" },
        { site: "beta", role: "admin" },
      ],
    });
    await Identity.create({
      _id: "twitter:99",
      provider: "twitter",
      providerId: "99",
      username: "grace",
      user: user._id,
    });
    const res = await request(makeApp().app).get("/api/v1/me").set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user._id.toHexString(),
      name: "Grace",
      avatarUrl: "https://avatars.example/u.png",
      profileUrl: "https://profiles.example/u",
      provider: "twitter",
      identities: [{ provider: "twitter", username: "grace" }],
      roles: { alpha: "moderator", beta: "admin" },
      adminOfAllSites: false,
    });
  });

  it("answers 401 for an expired token", async () => {
    const { token, auth } = await makeUser();
    await Session.updateOne(
      { _id: sha256(token) },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const res = await request(makeApp().app).get("/api/v1/me").set(auth);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
  });

  it("answers 401 for a revoked token", async () => {
    const { token, auth } = await makeUser();
    await Session.updateOne({ _id: sha256(token) }, { $set: { revokedAt: new Date() } });
    expect((await request(makeApp().app).get("/api/v1/me").set(auth)).status).toBe(401);
  });

  it("reads the token from the cs_session cookie", async () => {
    const { user, token } = await makeUser();
    const res = await request(makeApp().app).get("/api/v1/me").set("Cookie", `cs_session=${token}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(user._id.toHexString());
  });

  it("records when a session was last seen", async () => {
    const { token, auth } = await makeUser();
    const old = new Date(Date.now() - 5 * 60_000);
    await Session.updateOne({ _id: sha256(token) }, { $set: { lastSeenAt: old } });
    await request(makeApp().app).get("/api/v1/me").set(auth).expect(200);
    const session = await Session.findById(sha256(token)).lean();
    expect(session!.lastSeenAt.getTime()).toBeGreaterThan(old.getTime() + 60_000);
  });
});

describe("POST /auth/logout", () => {
  function captureRevocations(events: ReturnType<typeof makeApp>["events"]) {
    const revoked: DomainEventMap["session.revoked"][] = [];
    events.on("session.revoked", (e) => revoked.push(e));
    return revoked;
  }

  it("revokes the token at once, announces it, and clears the cookie", async () => {
    const { user, token, auth } = await makeUser();
    const other = await makeUser();
    const { app, events } = makeApp();
    const revoked = captureRevocations(events);

    const res = await request(app).post("/auth/logout").set(auth);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(revoked).toEqual([{ sessionId: sha256(token), userId: user._id.toHexString() }]);
    const cleared = (res.get("Set-Cookie") ?? []).find((c) => c.startsWith("cs_session="));
    expect(cleared).toMatch(/^cs_session=;.*Expires=Thu, 01 Jan 1970/);

    const again = await request(app).get("/api/v1/me").set(auth);
    expect(again.status).toBe(401);
    // Other sessions are untouched.
    expect((await request(app).get("/api/v1/me").set(other.auth)).status).toBe(200);
  });

  it("revokes the session of the cs_session cookie", async () => {
    const { token } = await makeUser();
    const { app, events } = makeApp();
    const revoked = captureRevocations(events);
    await request(app).post("/auth/logout").set("Cookie", `cs_session=${token}`).expect(204);
    expect(revoked).toHaveLength(1);
    const me = await request(app).get("/api/v1/me").set("Authorization", `Bearer ${token}`);
    expect(me.status).toBe(401);
  });

  it("is idempotent: a second logout answers 204 and announces nothing", async () => {
    const { auth } = await makeUser();
    const { app, events } = makeApp();
    const revoked = captureRevocations(events);
    await request(app).post("/auth/logout").set(auth).expect(204);
    await request(app).post("/auth/logout").set(auth).expect(204);
    await request(app).post("/auth/logout").expect(204);
    expect(revoked).toHaveLength(1);
  });

  it("answers a CORS preflight for a site's own pages, echoing exactly their origin", async () => {
    await makeSite({ origins: ["https://logout.example"] });
    const { app } = makeApp();
    const preflight = (origin: string) =>
      request(app)
        .options("/auth/logout")
        .set("Origin", origin)
        .set("Access-Control-Request-Method", "POST");
    const res = await preflight("https://logout.example");
    expect(res.status).toBe(204);
    expect(res.get("Access-Control-Allow-Origin")).toBe("https://logout.example");
    expect(res.get("Access-Control-Allow-Headers")).toContain("Authorization");
    expect(res.get("Vary")).toContain("Origin");
    const stranger = await preflight("https://evil.example");
    expect(stranger.get("Access-Control-Allow-Origin")).toBeUndefined();
    expect(stranger.get("Access-Control-Allow-Methods")).toBeUndefined();
  });
});

describe("the cs_session cookie", () => {
  it("is HttpOnly and SameSite=Lax always, and Secure in production", () => {
    const dev = sessionCookieOptions(loadConfig({}));
    const prod = sessionCookieOptions(loadConfig({ NODE_ENV: "production" }));
    expect(dev).toMatchObject({ httpOnly: true, sameSite: "lax", secure: false, path: "/" });
    expect(prod).toMatchObject({ httpOnly: true, sameSite: "lax", secure: true });
  });
});

describe("a banned user", () => {
  it("still reads with their token but cannot post", async () => {
    const site = await makeSite();
    const { user, auth } = await makeUser();
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    await Ban.create({ site: site._id, user: user._id, reason: "spam", createdBy: mod.user._id });
    const { app } = makeApp();

    expect((await request(app).get("/api/v1/me").set(auth)).status).toBe(200);
    const list = await request(app).get(`/api/v1/sites/${site._id}/threads/t1/comments`).set(auth);
    expect(list.status).toBe(200);
    const post = await request(app)
      .post(`/api/v1/sites/${site._id}/threads/t1/comments`)
      .set(auth)
      .send({ body: "let me in" });
    expect(post.status).toBe(403);
    expect(post.body.error.code).toBe("banned");
  });
});

describe("GET /auth/providers", () => {
  const creds = {
    WORDPRESS_CLIENT_ID: "a",
    WORDPRESS_CLIENT_SECRET: "b",
    TWITTER_CONSUMER_KEY: "c",
    TWITTER_CONSUMER_SECRET: "d",
  };

  it("lists the providers configured and enabled for the site", async () => {
    const site = await makeSite();
    const res = await request(makeApp(creds).app)
      .get(`/auth/providers?site=${site._id}`)
      .set("Origin", "https://blog.example");
    expect(res.status).toBe(200);
    expect(res.get("Access-Control-Allow-Origin")).toBe("https://blog.example");
    expect(res.body).toEqual([
      { id: "wordpress", name: "WordPress.com" },
      { id: "twitter", name: "Twitter" },
    ]);
  });

  it("answers 400 without a site and 404 for an unknown one", async () => {
    const { app } = makeApp(creds);
    const missing = await request(app).get("/auth/providers");
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toHaveProperty(["query.site"]);
    expect((await request(app).get("/auth/providers?site=nope")).status).toBe(404);
  });

  it.each([
    "/auth/facebook?site=x&origin=https://a.example",
    "/auth/facebook/callback",
    "/auth/myspace",
  ])("answers 404 for a provider without credentials: %s", async (path) => {
    const res = await request(makeApp(creds).app).get(path);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});
