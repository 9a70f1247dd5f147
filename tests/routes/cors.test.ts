import request from "supertest";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";

useTestDatabase();
const { app, config } = makeApp();

describe("CORS on the API", () => {
  it("echoes a site's own origins on its endpoints, and nothing for anyone else's", async () => {
    const a = await makeSite({ origins: ["https://a.example"] });
    await makeSite({ origins: ["https://b.example"] });
    const counts = (origin: string) =>
      request(app).get(`/api/v1/sites/${a._id}/counts?keys=x`).set("Origin", origin);
    const own = await counts("https://a.example");
    expect(own.status).toBe(200);
    expect(own.get("Access-Control-Allow-Origin")).toBe("https://a.example");
    expect(own.get("Vary")).toContain("Origin");
    expect(own.get("Access-Control-Allow-Credentials")).toBeUndefined();
    // Another site's page, a look-alike, and a port of the same host are all someone else.
    for (const other of ["https://b.example", "https://a.example.evil", "https://a.example:8443"]) {
      expect((await counts(other)).get("Access-Control-Allow-Origin")).toBeUndefined();
    }
    expect((await counts(config.publicOrigin)).get("Access-Control-Allow-Origin")).toBe(
      config.publicOrigin,
    );
  });

  it("answers endpoints that name no site for any site's origin, and preflights exactly", async () => {
    await makeSite({ origins: ["https://c.example"] });
    const me = (origin: string) => request(app).get("/api/v1/me").set("Origin", origin);
    expect((await me("https://c.example")).get("Access-Control-Allow-Origin")).toBe(
      "https://c.example",
    );
    expect((await me("https://nobody.example")).get("Access-Control-Allow-Origin")).toBeUndefined();
    const preflight = await request(app)
      .options("/api/v1/comments/0123456789abcdef01234567/vote")
      .set("Origin", "https://c.example")
      .set("Access-Control-Request-Method", "PUT")
      .set("Access-Control-Request-Headers", "authorization, content-type");
    expect(preflight.status).toBe(204);
    expect(preflight.get("Access-Control-Allow-Origin")).toBe("https://c.example");
    expect(preflight.get("Access-Control-Allow-Methods")).toContain("PUT");
  });
});
