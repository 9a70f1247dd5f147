import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import request from "supertest";
import { projectRoot } from "../../config";
import "../../models";
import { connectDatabase, disconnectDatabase } from "../../server/database";
import { startEmbeddedEngine, type EmbeddedEngine } from "../../server/engine";
import { ensureDemoSite } from "../../server/services/sites";
import { makeApp } from "../support/app";

// This file runs its own engine, so it can stop it under the service.
let engine: EmbeddedEngine;
let dir: string;
const { app, config } = makeApp();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "comments-down-"));
  engine = await startEmbeddedEngine({
    binary: path.join(projectRoot, ".tools", "bin", "ferretdb"),
    dataDir: dir,
    durable: false,
  });
  await connectDatabase(engine.uri, "down", engine.postgresUrl);
  await ensureDemoSite(config);
});

afterAll(async () => {
  await disconnectDatabase();
  await engine.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("when the database goes down", () => {
  it("answers readiness 503 and requests 503 unavailable, quickly, instead of hanging", async () => {
    expect((await request(app).get("/readyz")).status).toBe(200);
    await engine.stop();
    const ready = await request(app).get("/readyz").timeout(10_000);
    expect(ready.status).toBe(503);
    const read = await request(app).get("/api/v1/sites/demo/threads/x/comments").timeout(10_000);
    expect(read.status).toBe(503);
    expect(read.body.error.code).toBe("unavailable");
    const write = await request(app)
      .post("/api/v1/sites/demo/threads/x/comments")
      .send({ body: "hello", guest: { name: "A", email: "a@example.com" } })
      .timeout(10_000);
    expect(write.status).toBe(503);
    expect((await request(app).get("/healthz")).status).toBe(200);
  }, 30_000);
});
