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
 * Reads and posts against a real server process on the real engine, in three steps:
 *   1. a database holding one thread of 100 comments: read its first page;
 *   2. a thread of 10,000 comments added: read its first page, post new comments into it;
 *   3. a thread of 100,000 comments added: read its first page and the 100-comment thread's again.
 * Set MONGODB_URI to measure against MongoDB instead of the embedded FerretDB.
 * Reads make BENCH_READS requests each (default 40, so a slow engine still gives a p99 of real
 * samples); posting runs for BENCH_SECONDS (default 10). BENCH_CONNECTIONS (default 4).
 */
async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const reads = Number(process.env.BENCH_READS ?? 40);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
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
  const seed = async (key: string, n: number) => {
    const t = Date.now();
    await seedThread("bench", key, n);
    console.log(`seeded ${key}: ${n} comments in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  await seed("t100", 100);

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
  for (let ready = false; !ready;) {
    ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  console.log(
    `\n${connections} connections, ${reads} requests a read run, ${seconds} s of posting; server: node dist/server/main.js on ${engine ? "FerretDB 1.24.2 (SQLite)" : "MONGODB_URI"}`,
  );

  const results: Record<string, autocannon.Result> = {};
  const run = async (name: string, opts: Partial<autocannon.Options>) => {
    const r = await autocannon({ connections, timeout: 600, ...opts } as autocannon.Options);
    results[name] = r;
    console.log(
      `${name.padEnd(44)} ${r.requests.average.toFixed(1).padStart(7)} req/s  p50 ${String(r.latency.p50).padStart(5)} ms  p99 ${String(r.latency.p99).padStart(5)} ms  (${r.requests.total} requests, non-2xx ${r.non2xx}, errors ${r.errors})`,
    );
  };
  const page = (key: string) => `${base}/api/v1/sites/bench/threads/${key}/comments?limit=20`;

  await run("GET first page, 100 (only thread)", { url: page("t100"), amount: reads });
  await seed("t10k", 10_000);
  await run("GET first page, 10,000", { url: page("t10k"), amount: reads });
  let n = 0;
  await run("POST comment into the 10,000 thread", {
    url: `${base}/api/v1/sites/bench/threads/t10k/comments`,
    duration: seconds,
    method: "POST",
    headers: { "content-type": "application/json" },
    setupClient: (client) => {
      client.setBody(
        JSON.stringify({
          body: `Bench comment ${n++}`,
          guest: { name: "Bench", email: "b@example.com" },
        }),
      );
    },
  });
  await seed("t100k", 100_000);
  await run("GET first page, 100,000", { url: page("t100k"), amount: reads });
  await run("GET first page, 100 (beside the 100,000)", { url: page("t100"), amount: reads });

  const ratio = (a: string, b: string) =>
    (results[a]!.latency.p50 / Math.max(results[b]!.latency.p50, 0.001)).toFixed(2);
  console.log(
    `\nfirst page p50, 100,000-comment thread vs 100-comment thread in the same database: ${ratio("GET first page, 100,000", "GET first page, 100 (beside the 100,000)")}x (target: at most 1.5x)`,
  );
  console.log(
    `first page p50, 100 beside 100,000 vs 100 alone: ${ratio("GET first page, 100 (beside the 100,000)", "GET first page, 100 (only thread)")}x (what the rest of the database costs)`,
  );

  await mongoose.disconnect();
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  await engine?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
