import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../config";
import { createApp } from "../../server/app";
import { DomainEvents } from "../../server/events";
import { PostRateLimiter } from "../../server/rateLimit";
import { widgetAssets } from "../../server/widgetAssets";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import { buildWidget } from "./support/stack";

useTestDatabase();

let dir: string;
let app: ReturnType<typeof createApp>;
const manifest = () =>
  JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as {
    files: Record<string, string>;
  };

beforeAll(() => {
  dir = buildWidget();
  const config = loadConfig({ LOG_LEVEL: "silent", PUBLIC_URL: "https://comments.example" });
  app = createApp({
    config,
    logger: pino({ level: "silent" }),
    events: new DomainEvents(),
    postLimiter: new PostRateLimiter(0),
    widgetAssets: widgetAssets(dir),
  });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the widget bundles", () => {
  it("stay within budget: embed.js under 3 KB and the widget's script under 40 KB gzipped", () => {
    const gz = (name: string) =>
      zlib.gzipSync(fs.readFileSync(path.join(dir, manifest().files[name]!))).length;
    expect(gz("embed.js")).toBeLessThan(3 * 1024);
    expect(gz("widget.js")).toBeLessThan(40 * 1024);
  });
});

describe("GET /widget", () => {
  it("may be framed only by the site's allowed origins and the service itself", async () => {
    const site = await makeSite({ origins: ["https://blog.example"] });
    const res = await request(app).get(
      `/widget?site=${site._id}&key=post-1&origin=${encodeURIComponent("https://blog.example")}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers["x-frame-options"]).toBeUndefined();
    expect(res.headers["content-security-policy"]).toContain(
      "frame-ancestors https://comments.example https://blog.example",
    );
    expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(res.text).toContain('data-parent-origin="https://blog.example"');
    expect(res.text).toContain(`/assets/${manifest().files["widget.js"]}`);
  });

  it("refuses to render for a host origin the site does not allow", async () => {
    const site = await makeSite({ origins: ["https://blog.example"] });
    const res = await request(app).get(
      `/widget?site=${site._id}&key=post-1&origin=${encodeURIComponent("https://evil.example")}`,
    );
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
  });

  it("answers 404 for an unknown site", async () => {
    const res = await request(app).get("/widget?site=nope&key=post-1");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("static files", () => {
  it("serves hashed bundles for a year and embed.js briefly", async () => {
    const hashed = manifest().files["widget.js"]!;
    const asset = await request(app).get(`/assets/${hashed}`);
    expect(asset.status).toBe(200);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(asset.headers["content-type"]).toMatch(/javascript/);
    const embed = await request(app).get("/embed.js");
    expect(embed.headers["cache-control"]).toBe("public, max-age=300");
    expect(embed.headers["cross-origin-resource-policy"]).toBe("cross-origin");
    expect((await request(app).get("/assets/manifest.json")).status).toBe(404);
    expect((await request(app).get("/assets/..%2Fpackage.json")).status).toBe(400);
  });

  it("serves them from a checkout under a dot-folder (~/.local, a CI's .cache)", async () => {
    const hidden = fs.mkdtempSync(path.join(os.tmpdir(), ".checkout-"));
    const copy = path.join(hidden, "dist", "widget");
    fs.cpSync(dir, copy, { recursive: true });
    try {
      const dotted = createApp({
        config: loadConfig({ LOG_LEVEL: "silent", PUBLIC_URL: "https://comments.example" }),
        logger: pino({ level: "silent" }),
        events: new DomainEvents(),
        postLimiter: new PostRateLimiter(0),
        widgetAssets: widgetAssets(copy),
      });
      const embed = await request(dotted).get("/embed.js");
      expect(embed.status).toBe(200);
      expect(embed.headers["content-type"]).toMatch(/javascript/);
      expect(embed.text).toContain("comments:resize");
      const hashed = manifest().files["widget.js"]!;
      expect((await request(dotted).get(`/assets/${hashed}`)).status).toBe(200);
      expect((await request(dotted).get("/count.js")).status).toBe(200);
    } finally {
      fs.rmSync(hidden, { recursive: true, force: true });
    }
  });

  it("serves /admin unframeable, keeping its sign-in popup's opener", async () => {
    const res = await request(app).get("/admin");
    expect(res.status).toBe(200);
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res.headers["cross-origin-opener-policy"]).toBe("same-origin-allow-popups");
  });
});
