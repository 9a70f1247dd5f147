import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../config";
import { freePort } from "../server/engine";

/** A real server process (dist/server/main.js) on the given database, ready to answer. */
export async function startServer(dbUri: string, env: Record<string, string>) {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(projectRoot, "dist", "server", "main.js")],
    {
      env: {
        ...process.env,
        PORT: String(port),
        MONGODB_URI: dbUri,
        LOG_LEVEL: "warn",
        POSTS_PER_MINUTE: "0",
        ...env,
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let ready = false; !ready;) {
    ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    /** The process's resident memory now, in MiB (Linux). */
    rssMiB(): number {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
