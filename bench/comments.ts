import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import mongoose from "mongoose";
import { loadConfig, projectRoot } from "../config";
import "../models";
import { DEFAULT_SITE_SETTINGS, Site } from "../models/Site";
import { connectDatabase } from "../server/database";
import { freePort, startEmbeddedEngine, type EmbeddedEngine } from "../server/engine";
import { seedThread } from "./seed";

/**
 * Reads and posts against a real server process on the real engine:
 *   - the first page of threads of 100, 10,000 and 100,000 comments;
 *   - posting new comments into the 10,000-comment thread.
 * Set MONGODB_URI to measure against MongoDB instead of the embedded FerretDB.
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 10) tune each run.
 */
async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  let engine: EmbeddedEngine | null = null;
  let dir: string | null = null;
  let uri = loadConfig().mongodbUri;
  if (!uri) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "comments-bench-"));
    engine = await startEmbeddedEngine({
      binary: path.join(projectRoot, ".tools", "bin", "ferretdb"),
      dataDir: dir,
    });
    uri = engine.uri;
  }
  const dbUri = `${uri.replace(/\/[^/]*$/, "/")}comments_bench`;
  await connectDatabase(dbUri);
  await mongoose.connection.db!.dropDatabase();
  await Promise.all(Object.values(mongoose.models).map((m) => m.createIndexes()));
  await Site.create({
    _id: "bench",
    name: "Bench",
    origins: [],
    settings: { ...DEFAULT_SITE_SETTINGS, preModeration: "none", maxLinks: 0 },
  });

  for (const [key, n] of [
    ["t100", 100],
    ["t10k", 10_000],
    ["t100k", 100_000],
  ] as const) {
    const t = Date.now();
    await seedThread("bench", key, n);
    console.log(`seeded ${key}: ${n} comments in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  await mongoose.disconnect();

  const port = await freePort();
  const server = spawn(process.execPath, [path.join(projectRoot, "dist", "server", "main.js")], {
    env: {
      ...process.env,
      PORT: String(port),
      MONGODB_URI: dbUri,
      LOG_LEVEL: "warn",
      POSTS_PER_MINUTE: "0",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const results: Record<string, autocannon.Result> = {};
  const run = async (name: string, opts: Partial<autocannon.Options>) => {
    results[name] = await autocannon({ url: base, connections, duration: seconds, ...opts });
    const r = results[name]!;
    console.log(
      `${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  non-2xx ${r.non2xx}  errors ${r.errors}`,
    );
  };
  const page = (key: string) => `/api/v1/sites/bench/threads/${key}/comments?limit=20`;
  console.log(
    `\n${connections} connections, ${seconds} s each, server: node dist/server/main.js on ${engine ? "FerretDB 1.24.2 (SQLite)" : "MONGODB_URI"}`,
  );
  await run("GET first page, 100 comments", { url: base + page("t100") });
  await run("GET first page, 10,000 comments", { url: base + page("t10k") });
  await run("GET first page, 100,000 comments", { url: base + page("t100k") });
  let n = 0;
  await run("POST comment, 10,000-comment thread", {
    method: "POST",
    url: `${base}/api/v1/sites/bench/threads/t10k/comments`,
    headers: { "content-type": "application/json" },
    setupClient: (client) => {
      client.setBody(
        JSON.stringify({
          body: `Bench comment ${n++}`,
          guest: { name: "Bench", email: "bench@example.com" },
        }),
      );
    },
  });
  const small = results["GET first page, 100 comments"]!.latency;
  const big = results["GET first page, 100,000 comments"]!.latency;
  console.log(
    `\nfirst page p50, 100,000 vs 100 comments: ${(big.p50 / small.p50).toFixed(2)}x (target at most 1.5x); mean ${(big.mean / small.mean).toFixed(2)}x`,
  );

  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  await engine?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
