/**
 * Soak: mixed load against one real server process on the embedded engine (or MONGODB_URI) for
 * SOAK_MINUTES (default 20): anonymous page reads in every sort, guest posts, signed-in votes, and
 * 1,000 sockets joined to 50 threads receiving the live events. Prints, per minute, the server's
 * RSS and each load's requests and p99, so growth shows as a trend.
 *
 *   npm run bench:soak
 *   SOAK_MINUTES=2 npm run bench:soak
 */
import fs from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import mongoose, { type Types } from "mongoose";
import { io as connectClient, type Socket } from "socket.io-client";
import { createSession } from "../auth/sessions";
import { loadConfig, projectRoot } from "../config";
import "../models";
import { Comment } from "../models/Comment";
import { DEFAULT_SITE_SETTINGS, Site } from "../models/Site";
import { User } from "../models/User";
import { connectDatabase, ensureIndexes } from "../server/database";
import { migrate } from "../server/migrations";
import { scratchDataDir, startEmbeddedEngine, type EmbeddedEngine } from "../server/engine";
import { analyzeEngine } from "../server/engineIndexes";
import { seedThread } from "./seed";
import { startServer } from "./server";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 20);
const THREADS = 50;
const SOCKETS = 1000;
const VOTERS = 200;
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

async function main() {
  let engine: EmbeddedEngine | null = null;
  let dir: string | null = null;
  let uri = loadConfig().mongodbUri;
  if (!uri) {
    dir = scratchDataDir("soak-");
    engine = await startEmbeddedEngine({
      binary: path.join(projectRoot, ".tools", "bin", "ferretdb"),
      dataDir: dir,
    });
    uri = engine.uri;
  }
  const dbName = "comments_soak";
  const dbUri = `${uri.replace(/\/[^/]*$/, "/")}${dbName}`;
  await connectDatabase(dbUri, undefined, engine?.postgresUrl);
  await mongoose.connection.db!.dropDatabase();
  await ensureIndexes();
  // An empty database is marked current, so the server processes run no migration over the seed.
  await migrate();
  const settings = { ...DEFAULT_SITE_SETTINGS, preModeration: "none" as const, maxLinks: 0 };
  await Site.create({ _id: "soak", name: "Soak", origins: [], settings });
  const keys = Array.from({ length: THREADS }, (_, i) => `t${i}`);
  for (const key of keys) await seedThread("soak", key, 200);
  const roots: Types.ObjectId[] = (
    await Comment.find({ site: "soak", depth: 0 }, { _id: 1 }).limit(2000).lean()
  ).map((c) => c._id);
  const tokens: string[] = [];
  for (let i = 0; i < VOTERS; i++) {
    const u = await User.create({ name: `Voter ${i}`, provider: "wordpress" });
    tokens.push(await createSession(u._id, 86_400));
  }
  if (engine) await analyzeEngine(engine.postgresUrl, dbName);

  const stage = (what: string) =>
    process.env.SOAK_DEBUG && console.error(new Date().toISOString(), what);
  stage("seeded");
  const server = await startServer(dbUri, {});
  stage("server up");
  const sockets: Socket[] = [];
  let received = 0;
  for (let i = 0; i < SOCKETS; i++) {
    const s = connectClient(server.base, { transports: ["websocket"], forceNew: true });
    s.on("comment:created", () => received++);
    s.on("comment:voted", () => received++);
    sockets.push(s);
  }
  await Promise.all(sockets.map((s) => new Promise((r) => s.once("connect", () => r(null)))));
  stage("sockets connected");
  await Promise.all(
    sockets.map((s, i) => s.emitWithAck("thread:join", { site: "soak", key: keys[i % THREADS] })),
  );
  stage("sockets joined");

  const sorts = ["oldest", "newest", "top"];
  let n = 0;
  const seconds = Number(process.env.SOAK_ROUND_SECONDS ?? 60);
  const load = (opts: autocannon.Options) => {
    const t = Date.now();
    return autocannon({ duration: seconds, timeout: 30, ...opts }).then((r) => {
      if (process.env.SOAK_DEBUG)
        console.error(opts.method ?? "GET", "done in", Date.now() - t, "ms");
      return r;
    });
  };
  console.log(
    "| minute | server RSS MiB | reads/s | read p99 ms | posts/s | post p99 ms | votes/s | vote p99 ms | failed | live events received |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (let minute = 1; minute <= MINUTES; minute++) {
    const before = received;
    const [reads, posts, votes] = await Promise.all([
      load({
        url: server.base,
        connections: 10,
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              path: `/api/v1/sites/soak/threads/${pick(keys)}/comments?sort=${pick(sorts)}`,
            }),
          },
        ],
      }),
      load({
        url: server.base,
        connections: 2,
        method: "POST",
        headers: { "content-type": "application/json" },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              path: `/api/v1/sites/soak/threads/${pick(keys)}/comments`,
              body: JSON.stringify({
                body: `Soak comment ${n++}`,
                guest: { name: "Soak", email: `soak${n % 100}@example.com` },
              }),
            }),
          },
        ],
      }),
      load({
        url: server.base,
        connections: 2,
        method: "PUT",
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              path: `/api/v1/comments/${pick(roots).toHexString()}/vote`,
              headers: {
                "content-type": "application/json",
                authorization: `Bearer ${pick(tokens)}`,
              },
              body: JSON.stringify({ value: pick([-1, 0, 1]) }),
            }),
          },
        ],
      }),
    ]);
    const failed = [reads, posts, votes].reduce((f, r) => f + r.non2xx + r.errors + r.timeouts, 0);
    console.log(
      `| ${minute} | ${server.rssMiB().toFixed(0)} | ${reads.requests.average.toFixed(0)} | ${reads.latency.p99} | ` +
        `${posts.requests.average.toFixed(0)} | ${posts.latency.p99} | ${votes.requests.average.toFixed(0)} | ` +
        `${votes.latency.p99} | ${failed} | ${received - before} |`,
    );
  }
  for (const s of sockets) s.disconnect();
  await server.stop();
  await mongoose.disconnect();
  await engine?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
