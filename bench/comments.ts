import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import autocannon from "autocannon";
import mongoose from "mongoose";
import { io as connectClient, type Socket } from "socket.io-client";
import { createSession } from "../auth/sessions";
import { loadConfig, projectRoot } from "../config";
import "../models";
import { DEFAULT_SITE_SETTINGS, Site } from "../models/Site";
import { Thread } from "../models/Thread";
import { User } from "../models/User";
import { connectDatabase, ensureIndexes } from "../server/database";
import { migrate } from "../server/migrations";
import { scratchDataDir, startEmbeddedEngine, type EmbeddedEngine } from "../server/engine";
import { analyzeEngine } from "../server/engineIndexes";
import { seedThread } from "./seed";
import { startServer } from "./server";

/**
 * The read path and posting against real server processes on the embedded engine, in one run:
 * one server with the read cache off (uncached figures) and one with it on, both on one database.
 * Prints a table. Set MONGODB_URI to measure against MongoDB instead.
 * BENCH_READS (default 60) requests per uncached read, one at a time; BENCH_SECONDS (default 8)
 * for cached reads at 50 connections and for posting at 4.
 */
const reads = Number(process.env.BENCH_READS ?? 60);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rows: string[][] = [];

function row(what: string, r: autocannon.Result, note = "") {
  const line = [
    what,
    r.requests.average.toFixed(0),
    String(r.latency.p50),
    String(r.latency.p99),
    `${r.non2xx + r.errors}`,
    note,
  ];
  rows.push(line);
  console.log(line.join(" | "));
  return r;
}

/** The ceiling: node:http answering a small JSON, measured with the same client. */
async function rawServer() {
  const body = JSON.stringify({ counts: { a: 1 } });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => server.close(),
  };
}

const one = (url: string, headers: Record<string, string> = {}) =>
  autocannon({ url, connections: 1, amount: reads, headers, timeout: 600 });
const many = (url: string) => autocannon({ url, connections: 50, duration: seconds, timeout: 60 });

/** 1,000 sockets join one thread with `since` a few events back; resolves with the seconds until all acked. */
async function joinStorm(base: string, site: string, key: string, since: number, n = 1000) {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    sockets.push(
      connectClient(base, { transports: ["websocket"], reconnection: false, forceNew: true }),
    );
  }
  await Promise.all(sockets.map((s) => new Promise((r) => s.once("connect", () => r(null)))));
  const t = Date.now();
  const acks = await Promise.all(
    sockets.map(
      (s) =>
        s.timeout(60_000).emitWithAck("thread:join", { site, key, since }) as Promise<{
          ok: boolean;
        }>,
    ),
  );
  const ms = Date.now() - t;
  for (const s of sockets) s.disconnect();
  return { ms, ok: acks.filter((a) => a.ok).length };
}

async function main() {
  let engine: EmbeddedEngine | null = null;
  let dir: string | null = null;
  let uri = loadConfig().mongodbUri;
  if (!uri) {
    dir = scratchDataDir("comments-bench-");
    engine = await startEmbeddedEngine({
      binary: path.join(projectRoot, ".tools", "bin", "ferretdb"),
      dataDir: dir,
    });
    uri = engine.uri;
  }
  const dbName = "comments_bench";
  const dbUri = `${uri.replace(/\/[^/]*$/, "/")}${dbName}`;
  await connectDatabase(dbUri, undefined, engine?.postgresUrl);
  await mongoose.connection.db!.dropDatabase();
  await ensureIndexes();
  // An empty database is marked current, so the server processes run no migration over the seed.
  await migrate();
  const settings = { ...DEFAULT_SITE_SETTINGS, preModeration: "none" as const, maxLinks: 0 };
  await Site.create({ _id: "bench", name: "Bench", origins: [], settings });
  await Site.create({ _id: "held", name: "Held", origins: [], settings });
  const mod = await User.create({
    name: "Mod",
    provider: "wordpress",
    roles: [{ site: "held", role: "moderator" }],
  });
  const modToken = await createSession(mod._id, 3600);

  const seed = async (
    site: string,
    key: string,
    n: number,
    opts?: Parameters<typeof seedThread>[3],
  ) => {
    const t = Date.now();
    await seedThread(site, key, n, opts);
    console.log(
      `seeded ${site}/${key}: ${n} comments in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  };
  const settle = async () => {
    if (engine) await analyzeEngine(engine.postgresUrl, dbName);
  };

  await seed("bench", "t100", 100);
  await settle();
  let uncached = await startServer(dbUri, { READ_CACHE_MB: "0" });
  const page = (base: string, key: string, sort: string) =>
    `${base}/api/v1/sites/bench/threads/${key}/comments?limit=20&sort=${sort}`;
  const sorts = ["oldest", "newest", "top"];
  const alone: Record<string, number> = {};
  for (const s of sorts)
    alone[s] = row(
      `first page, 100-comment thread alone, ${s}, uncached`,
      await one(page(uncached.base, "t100", s)),
    ).latency.p50;
  await uncached.stop();

  await seed("bench", "t10k", 10_000);
  await seed("bench", "t100k", 100_000);
  await seed("bench", "bigroot", 10_001, { roots: 1 });
  await seed("held", "queue", 10_000, { roots: 10_000, status: "pending" });
  for (let i = 0; i < 100; i++)
    await Thread.create({ site: "bench", key: `c${i}`, commentCount: i });
  await settle();

  uncached = await startServer(dbUri, { READ_CACHE_MB: "0" });
  const cached = await startServer(dbUri, {});
  const p50: Record<string, number> = {};
  for (const key of ["t100", "t10k", "t100k"]) {
    for (const s of sorts) {
      p50[`${key}:${s}`] = row(
        `first page, ${key}, ${s}, uncached`,
        await one(page(uncached.base, key, s)),
      ).latency.p50;
    }
  }
  row(
    "root with 10,000 replies, its page, uncached",
    await one(page(uncached.base, "bigroot", "oldest")),
  );
  // Like the pages above: one request at a time, before the loads at 50 connections.
  row(
    "moderation queue, 10,000 held, first page",
    await one(`${uncached.base}/api/v1/sites/held/moderation/queue?status=pending`, {
      authorization: `Bearer ${modToken}`,
    }),
  );
  const keys = Array.from({ length: 100 }, (_, i) => `c${i}`).join(",");
  row(
    "counts for 100 keys, uncached",
    await one(`${uncached.base}/api/v1/sites/bench/counts?keys=${keys}`),
  );

  const raw = await rawServer();
  const ceiling = row("raw node:http, small JSON, 50 connections", await many(raw.url));
  raw.close();
  for (const s of sorts) {
    const r = row(
      `first page, t100k, ${s}, cached, 50 connections`,
      await many(page(cached.base, "t100k", s)),
    );
    rows[rows.length - 1]![5] =
      `${((100 * r.requests.average) / ceiling.requests.average).toFixed(0)}% of raw`;
  }
  const r100 = row(
    `first page, t100, oldest, cached, 50 connections`,
    await many(page(cached.base, "t100", "oldest")),
  );
  rows[rows.length - 1]![5] =
    `${((100 * r100.requests.average) / ceiling.requests.average).toFixed(0)}% of raw`;
  let n = 0;
  row(
    "posting into t100k (100,000+ stored), 4 connections",
    await autocannon({
      url: `${uncached.base}/api/v1/sites/bench/threads/t100k/comments`,
      connections: 4,
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
    }),
  );
  const thread = await Thread.findOne({ site: "bench", key: "t100k" }).lean();
  const storm = await joinStorm(cached.base, "bench", "t100k", Math.max(0, (thread?.seq ?? 0) - 5));
  rows.push([
    "1,000 sockets join t100k with since (seq - 5)",
    "",
    "",
    "",
    `${1000 - storm.ok}`,
    `all acked in ${storm.ms} ms`,
  ]);
  console.log(rows[rows.length - 1]!.join(" | "));

  const ratio = (a: number, b: number) => (a / Math.max(b, 0.001)).toFixed(2);
  console.log(
    "\n| what | req/s | p50 ms | p99 ms | failed | note |\n| --- | ---: | ---: | ---: | ---: | --- |",
  );
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  console.log("");
  for (const s of sorts) {
    console.log(
      `${s}: 100,000 vs 100 in the same database ${ratio(p50[`t100k:${s}`]!, p50[`t100:${s}`]!)}x (target 1.5x); ` +
        `100 beside 100,000 vs alone ${ratio(p50[`t100:${s}`]!, alone[s]!)}x (target 1.3x)`,
    );
  }

  await mongoose.disconnect();
  await Promise.all([uncached.stop(), cached.stop()]);
  await engine?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
