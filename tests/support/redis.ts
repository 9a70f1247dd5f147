import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../config";
import { freePort } from "../../server/engine";

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

function redisBinary(): string {
  try {
    return execFileSync("bash", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  } catch {
    // Installs Debian's redis-server (first run only).
    execFileSync("bash", [path.join(projectRoot, "scripts", "redis.sh"), "install"], {
      stdio: "inherit",
    });
    return execFileSync("bash", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  }
}

/**
 * A redis-server of the test's own: a free port on 127.0.0.1, a temporary directory, nothing
 * persisted. Resolves once it accepts connections.
 */
export async function startRedis(): Promise<TestRedis> {
  const bin = redisBinary();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "comments-test-redis-"));
  const child: ChildProcess = spawn(
    bin,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${output}`)),
      20_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}):\n${output}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
