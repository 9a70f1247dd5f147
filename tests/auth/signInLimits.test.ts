import request from "supertest";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";

useTestDatabase();

describe("SIGN_INS_PER_MINUTE", () => {
  it("answers 429 with Retry-After once an IP has used its sign-in attempts, on every way in", async () => {
    const { app } = makeApp({ SIGN_INS_PER_MINUTE: "3" });
    const site = await makeSite();
    const sso = () => request(app).post("/auth/sso").send({ site: site._id, token: "not.a.token" });
    for (let i = 0; i < 3; i++) expect((await sso()).status).toBe(401);
    const refused = await sso();
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    // The same address starting a provider's popup, or calling one back, is refused too.
    expect(
      (await request(app).get(`/auth/wordpress?site=${site._id}&origin=https://blog.example`))
        .status,
    ).toBe(429);
    expect((await request(app).get("/auth/twitter/callback?oauth_token=x")).status).toBe(429);
    // Listing providers and logging out are not sign-in attempts.
    expect((await request(app).get(`/auth/providers?site=${site._id}`)).status).toBe(200);
    expect((await request(app).post("/auth/logout")).status).toBe(204);
  });

  it("counts each address on its own", async () => {
    const { app } = makeApp({ SIGN_INS_PER_MINUTE: "1", TRUST_PROXY: "1" });
    const site = await makeSite();
    const from = (ip: string) =>
      request(app)
        .post("/auth/sso")
        .set("X-Forwarded-For", ip)
        .send({ site: site._id, token: "x.y.z" });
    expect((await from("203.0.113.1")).status).toBe(401);
    expect((await from("203.0.113.1")).status).toBe(429);
    expect((await from("203.0.113.2")).status).toBe(401);
  });
});
