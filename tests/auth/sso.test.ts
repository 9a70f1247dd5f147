import { SignJWT, type JWTPayload } from "jose";
import request from "supertest";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";

useTestDatabase();
const { app } = makeApp();

const SECRET = "a-host-site-secret-of-at-least-32-characters";
const now = () => Math.floor(Date.now() / 1000);

/** A site with SSO on, set through the settings API as its admin would. */
async function ssoSite(secret = SECRET) {
  const site = await makeSite();
  const admin = await makeUser({ roles: [{ site: site._id, role: "admin" }] });
  const res = await request(app)
    .patch(`/api/v1/sites/${site._id}/settings`)
    .set(admin.auth)
    .send({ sso: { secret } });
  expect(res.status).toBe(200);
  return { site, admin };
}

function sign(
  claims: JWTPayload,
  opts: { secret?: string; alg?: string; exp?: number | null } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? "HS256" });
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now() + 600);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

const exchange = (site: string, token: string) =>
  request(app).post("/auth/sso").send({ site, token });

describe("POST /auth/sso", () => {
  it("signs the host site's reader in, with the claims the host gave", async () => {
    const { site } = await ssoSite();
    const token = await sign({
      sub: "reader-42",
      name: "Rita Reader",
      email: "Rita@Example.com",
      avatar: "https://host.example/rita.png",
      url: "https://host.example/~rita",
    });
    const res = await exchange(site._id, token);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({
      name: "Rita Reader",
      provider: "sso",
      avatarUrl: "https://host.example/rita.png",
      profileUrl: "https://host.example/~rita",
      identities: [{ provider: "sso", username: `${site._id}:reader-42` }],
    });
    // The session works like any other: /me, and posting as that reader.
    const me = await request(app)
      .get("/api/v1/me")
      .set("Authorization", `Bearer ${res.body.token}`);
    expect(me.body.id).toBe(res.body.user.id);
    const posted = await request(app)
      .post(`/api/v1/sites/${site._id}/threads/t/comments`)
      .set("Authorization", `Bearer ${res.body.token}`)
      .send({ body: "Hello as a subscriber" });
    expect(posted.status).toBe(201);
    expect(posted.body.author).toMatchObject({ name: "Rita Reader", provider: "sso" });
    // The same reader again is the same user, with a refreshed profile.
    const again = await exchange(site._id, await sign({ sub: "reader-42", name: "Rita R." }));
    expect(again.body.user.id).toBe(res.body.user.id);
    expect(again.body.user.name).toBe("Rita R.");
  });

  it.each([
    ["a wrong secret", () => sign({ sub: "1", name: "N" }, { secret: "x".repeat(40) })],
    ["another algorithm (HS512)", () => sign({ sub: "1", name: "N" }, { alg: "HS512" })],
    ["an expired token", () => sign({ sub: "1", name: "N" }, { exp: now() - 120 })],
    ["a token more than an hour ahead", () => sign({ sub: "1", name: "N" }, { exp: now() + 7200 })],
    ["no exp", () => sign({ sub: "1", name: "N" }, { exp: null })],
    ["no sub", () => sign({ name: "N" })],
    ["no name", () => sign({ sub: "1" })],
    ["an empty name", () => sign({ sub: "1", name: "  " })],
    ["a token that is not a JWT", () => Promise.resolve("not.a.jwt")],
  ])("refuses %s with 401", async (_what, make) => {
    const { site } = await ssoSite();
    const res = await exchange(site._id, await make());
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
  });

  it("refuses alg none, even with the claims right", async () => {
    const { site } = await ssoSite();
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const token = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "1", name: "N", exp: now() + 600 })}.`;
    const res = await exchange(site._id, token);
    expect(res.status).toBe(401);
  });

  it("accepts a minute of clock skew, and no more", async () => {
    const { site } = await ssoSite();
    expect(
      (await exchange(site._id, await sign({ sub: "1", name: "N" }, { exp: now() - 30 }))).status,
    ).toBe(200);
    expect(
      (await exchange(site._id, await sign({ sub: "1", name: "N" }, { exp: now() - 90 }))).status,
    ).toBe(401);
  });

  it("keeps two sites' readers apart, and refuses one site's token at the other", async () => {
    const a = await ssoSite();
    const b = await ssoSite("another-host-site-secret-also-32-characters-long");
    const ua = await exchange(a.site._id, await sign({ sub: "same", name: "Sam" }));
    const ub = await exchange(
      b.site._id,
      await sign(
        { sub: "same", name: "Sam" },
        { secret: "another-host-site-secret-also-32-characters-long" },
      ),
    );
    expect(ua.status).toBe(200);
    expect(ub.status).toBe(200);
    expect(ua.body.user.id).not.toBe(ub.body.user.id);
    const crossed = await exchange(b.site._id, await sign({ sub: "same", name: "Sam" }));
    expect(crossed.status).toBe(401);
  });

  it("refuses every token where the site has no SSO, and once it is turned off", async () => {
    const plain = await makeSite();
    expect((await exchange(plain._id, await sign({ sub: "1", name: "N" }))).status).toBe(401);
    const { site, admin } = await ssoSite();
    await request(app)
      .patch(`/api/v1/sites/${site._id}/settings`)
      .set(admin.auth)
      .send({ sso: null })
      .expect(200);
    expect((await exchange(site._id, await sign({ sub: "1", name: "N" }))).status).toBe(401);
  });

  it("answers bad bodies and unknown sites with clear errors", async () => {
    expect((await request(app).post("/auth/sso").send({ site: "x" })).status).toBe(400);
    expect(
      (await request(app).post("/auth/sso").send({ site: "no-such-site", token: "a" })).status,
    ).toBe(404);
    const text = await request(app).post("/auth/sso").set("Content-Type", "text/plain").send("hi");
    expect(text.status).toBe(415);
  });
});

describe("the sso setting", () => {
  it("is write-only: admins see whether it is on, never the secret, nor does the log", async () => {
    const { site, admin } = await ssoSite();
    const settings = await request(app).get(`/api/v1/sites/${site._id}/settings`).set(admin.auth);
    expect(settings.body.sso).toEqual({ enabled: true });
    expect(JSON.stringify(settings.body)).not.toContain(SECRET);
    const log = await request(app).get(`/api/v1/sites/${site._id}/moderation/log`).set(admin.auth);
    expect(log.status).toBe(200);
    expect(JSON.stringify(log.body)).not.toContain(SECRET);
    expect(log.body.entries[0].after.sso).toEqual({ enabled: true });
  });

  it("refuses a short secret, and is for admins only", async () => {
    const site = await makeSite();
    const admin = await makeUser({ roles: [{ site: site._id, role: "admin" }] });
    const short = await request(app)
      .patch(`/api/v1/sites/${site._id}/settings`)
      .set(admin.auth)
      .send({ sso: { secret: "too-short" } });
    expect(short.status).toBe(400);
    expect(short.body.error.details["sso.secret"]).toMatch(/32 characters/);
    const mod = await makeUser({ roles: [{ site: site._id, role: "moderator" }] });
    const refused = await request(app)
      .patch(`/api/v1/sites/${site._id}/settings`)
      .set(mod.auth)
      .send({ sso: { secret: SECRET } });
    expect(refused.status).toBe(403);
  });
});
