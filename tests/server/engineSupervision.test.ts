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

// This file runs its own engine, durable as the service's, so it can kill its processes.
let engine: EmbeddedEngine;
let dir: string;
const restarts: string[] = [];
const { app, config } = makeApp();
const thread = "/api/v1/sites/demo/threads/crash/comments";

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "comments-supervised-"));
  engine = await startEmbeddedEngine({
    binary: path.join(projectRoot, ".tools", "bin", "ferretdb"),
    dataDir: dir,
    onRestart: (e) => restarts.push(`${e.process} ${e.phase}`),
  });
  await connectDatabase(engine.uri, "supervised", engine.postgresUrl);
  await ensureDemoSite(config);
}, 60_000);

afterAll(async () => {
  await disconnectDatabase();
  await engine.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const post = (body: string) =>
  request(app)
    .post(thread)
    .send({ body, guest: { name: "A", email: "a@example.com" } })
    .timeout(10_000);

async function until(check: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}

describe.each(["ferretdb", "postgres"] as const)("when %s is killed", (name) => {
  it("answers within 2 s, 503 while it is away, gets its engine back by itself, and keeps every acknowledged comment", async () => {
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await post(`before the crash ${i}`);
      expect(res.status).toBe(201);
      acknowledged.push(res.body.id as string);
    }
    process.kill(engine.pids()[name], "SIGKILL");
    // Until the process is back and a post goes through, every answer comes within 2 s and is a
    // 201 (the driver's retry may already reach the restarted engine) or a 503: never a 500.
    const answers: { status: number; ms: number }[] = [];
    await until(async () => {
      const start = Date.now();
      const res = await post("while it restarts");
      answers.push({ status: res.status, ms: Date.now() - start });
      return res.status === 201 && restarts.includes(`${name} back`);
    }, 30_000);
    expect(answers.filter((a) => a.status !== 201 && a.status !== 503)).toEqual([]);
    expect(answers.filter((a) => a.ms >= 2000)).toEqual([]);
    expect((await request(app).get("/readyz")).status).toBe(200);
    expect(restarts).toContain(`${name} back`);
    for (const id of acknowledged) {
      const res = await request(app).get(`/api/v1/comments/${id}`);
      expect(res.status).toBe(200);
    }
  }, 90_000);
});
