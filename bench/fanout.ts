/**
 * Fan-out bench: N readers in one thread, one writer posting over HTTP. Reports the delivery
 * latency (post accepted, or sent, to event received, over every reader) and the server's memory
 * per connected socket.
 *
 *   npm run bench:fanout                       # 1,000 and 5,000 readers
 *   npm run bench:fanout -- --readers=1000 --posts=30 --procs=1 --cpu-prof=/tmp/prof
 *
 * Three kinds of process, so the server's numbers are its own: this driver (the writer), one
 * server (the real service from server/main.ts, on a fresh embedded database) and --procs reader
 * processes holding the sockets.
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { loadConfig } from "../config";
import { start } from "../server/main";

const SITE = "demo";
const KEY = "bench-fanout";
const now = () => performance.timeOrigin + performance.now();

type Memory = { rss: number; heapUsed: number };
type ToServer = { type: "memory" } | { type: "stop" };
type FromServer = { type: "ready"; port: number } | ({ type: "memory" } & Memory);
type ToReaders = { type: "report" };
type FromReaders =
  | { type: "joined"; count: number }
  | { type: "arrivals"; arrivals: Record<string, number[]>; failed: number };

function arg(name: string, fallback: string): string {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
}

// ---- server process -------------------------------------------------------------------------

async function serve(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "comments-bench-"));
  const config = loadConfig({
    ...process.env,
    PORT: "0",
    DATA_DIR: dataDir,
    POSTS_PER_MINUTE: "0",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  });
  const svc = await start(config);
  const send = (m: FromServer) => process.send!(m);
  process.on("message", (m: ToServer) => {
    if (m.type === "memory") {
      // After a full collection, so garbage from the joins does not count as per-socket cost.
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: "memory", rss, heapUsed });
    } else if (m.type === "stop") {
      svc.server.closeAllConnections();
      void svc.stop().finally(() => {
        fs.rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  send({ type: "ready", port: (svc.server.address() as AddressInfo).port });
}

// ---- reader process -------------------------------------------------------------------------

async function read(url: string, count: number): Promise<void> {
  const arrivals: Record<string, number[]> = {};
  let failed = 0;
  const sockets: Socket[] = [];
  const connectOne = () =>
    new Promise<void>((resolve) => {
      const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true });
      sockets.push(socket);
      socket.on("comment:created", (e: { comment: { id: string } }) => {
        (arrivals[e.comment.id] ??= []).push(now());
      });
      socket.once("connect", () => {
        socket.emit("thread:join", { site: SITE, key: KEY }, (ack: { ok: boolean }) => {
          if (!ack.ok) failed++;
          resolve();
        });
      });
      socket.once("connect_error", () => {
        failed++;
        resolve();
      });
    });
  // Joins in batches: a connection storm is not what this bench measures.
  for (let done = 0; done < count; done += 100) {
    await Promise.all(Array.from({ length: Math.min(100, count - done) }, connectOne));
  }
  process.send!({ type: "joined", count: count - failed } satisfies FromReaders);
  process.on("message", (m: ToReaders) => {
    if (m.type !== "report") return;
    process.send!({ type: "arrivals", arrivals, failed } satisfies FromReaders, () => {
      for (const s of sockets) s.disconnect();
      process.exit(0);
    });
  });
}

// ---- driver ---------------------------------------------------------------------------------

function nextMessage<T>(child: ChildProcess, type: string, timeoutMs = 300_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} in ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(m as T);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`child exited (${code}) awaiting ${type}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function run(readers: number, posts: number, procs: number) {
  // --cpu-prof=<dir> writes the server's CPU profile there, to see where fan-out time goes.
  const profDir = arg("cpu-prof", "");
  const server = fork(__filename, ["--serve"], {
    execArgv: ["--expose-gc", ...(profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [])],
  });
  const { port } = await nextMessage<{ port: number }>(server, "ready");
  const url = `http://127.0.0.1:${port}`;
  const memory = async () => {
    server.send({ type: "memory" } satisfies ToServer);
    return nextMessage<Memory>(server, "memory");
  };

  // A first comment creates the thread, so every reader joins an existing one.
  const post = async (body: string) => {
    const sent = now();
    const res = await fetch(`${url}/api/v1/sites/${SITE}/threads/${KEY}/comments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ body, guest: { name: "Bench", email: "bench@example.com" } }),
    });
    const accepted = now();
    if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    return { id, sent, accepted };
  };
  await post("warm-up");
  const before = await memory();

  const share = Math.ceil(readers / procs);
  const children = Array.from({ length: procs }, (_, i) =>
    fork(__filename, ["--read", url, String(Math.max(0, Math.min(share, readers - i * share)))]),
  );
  const joinStart = now();
  const joined = await Promise.all(
    children.map((c) => nextMessage<{ count: number }>(c, "joined")),
  );
  const connected = joined.reduce((s, j) => s + j.count, 0);
  const joinSeconds = (now() - joinStart) / 1000;
  // Let the thread:count updates of the join storm drain before measuring.
  await new Promise((r) => setTimeout(r, 2000));
  const after = await memory();

  const sentPosts = [];
  for (let i = 0; i < posts; i++) {
    sentPosts.push(await post(`Fan-out bench comment ${i} of ${posts}`));
    // Spaced out so each measures one fan-out, not a queue of them.
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 3000));

  const reports = await Promise.all(
    children.map((c) => {
      c.send({ type: "report" } satisfies ToReaders);
      return nextMessage<{ arrivals: Record<string, number[]> }>(c, "arrivals");
    }),
  );
  server.send({ type: "stop" } satisfies ToServer);
  await new Promise((r) => server.once("exit", r));

  const fromAccepted: number[] = [];
  const fromSent: number[] = [];
  const lastReader: number[] = [];
  let delivered = 0;
  for (const p of sentPosts) {
    const times = reports.flatMap((r) => r.arrivals[p.id] ?? []);
    delivered += times.length;
    for (const t of times) {
      fromAccepted.push(Math.max(0, t - p.accepted));
      fromSent.push(t - p.sent);
    }
    if (times.length) lastReader.push(Math.max(...times) - p.accepted);
  }
  for (const a of [fromAccepted, fromSent, lastReader]) a.sort((x, y) => x - y);

  const expected = connected * posts;
  console.log(
    `\n== ${readers} readers (${connected} joined in ${joinSeconds.toFixed(1)} s), ${posts} posts ==`,
  );
  console.log(`delivered               ${delivered} of ${expected} events`);
  console.log(`load average (1 min)    ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
  console.log(
    `latency from 201        p50 ${ms(percentile(fromAccepted, 50))}  p99 ${ms(percentile(fromAccepted, 99))}  max ${ms(fromAccepted[fromAccepted.length - 1] ?? NaN)}`,
  );
  console.log(
    `latency from POST sent  p50 ${ms(percentile(fromSent, 50))}  p99 ${ms(percentile(fromSent, 99))}`,
  );
  console.log(
    `last reader per post    p50 ${ms(percentile(lastReader, 50))}  p99 ${ms(percentile(lastReader, 99))}`,
  );
  console.log(
    `server memory           rss ${kb((after.rss - before.rss) / connected)} / socket, heap ${kb((after.heapUsed - before.heapUsed) / connected)} / socket (rss ${(after.rss / 1048576).toFixed(0)} MB with ${connected} sockets)`,
  );
  return { p99: percentile(fromAccepted, 99), delivered, expected };
}

async function main() {
  if (process.argv[2] === "--serve") return serve();
  if (process.argv[2] === "--read") return read(process.argv[3]!, Number(process.argv[4]));
  const sizes = arg("readers", "1000,5000").split(",").map(Number);
  const posts = Number(arg("posts", "20"));
  const procs = Number(arg("procs", "1"));
  console.log(
    `fan-out bench: ${os.cpus().length} CPUs, node ${process.version}, ${procs} reader process(es), ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} (other work skews latency)`,
  );
  for (const n of sizes) {
    const { p99, delivered, expected } = await run(n, posts, procs);
    if (n === 1000) {
      console.log(`goal p99 < 100 ms at 1,000 readers: ${p99 < 100 ? "met" : "MISSED"}`);
    }
    if (delivered < expected) console.log(`WARNING: ${expected - delivered} events not delivered`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
