import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { disqusExport } from "../../bench/exportFiles";
import { Comment } from "../../models/Comment";
import { Thread } from "../../models/Thread";
import { runAdmin } from "../../scripts/admin";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";

const { uri, dbName } = useTestDatabase();
const THREADS = 20;
const PER_THREAD = 200;

const bundle = path.join(__dirname, "../../dist/test-bundles/admin-crash.js");
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "import-crash-"));
  fs.writeFileSync(path.join(dir, "disqus.xml"), [...disqusExport(THREADS, PER_THREAD)].join(""));
  await build({
    entryPoints: [path.join(__dirname, "../../scripts/admin.ts")],
    bundle: true,
    platform: "node",
    packages: "external",
    // Inside the checkout, so the bundle finds node_modules.
    outfile: bundle,
    logLevel: "silent",
  });
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every thread a reader can find has all of its comments, laid out to the last one. */
async function expectNoHalfThreads() {
  const threads = await Thread.find({}).lean();
  for (const t of threads) {
    expect(t.commentCount).toBe(PER_THREAD);
    expect(await Comment.countDocuments({ thread: t._id })).toBe(PER_THREAD);
  }
  return threads.length;
}

describe("an import killed part-way", () => {
  it("leaves no half-visible thread, and the same import again finishes the job", async () => {
    const site = await makeSite();
    const child = spawn(
      process.execPath,
      [bundle, "import", path.join(dir, "disqus.xml"), "--site", site._id],
      {
        cwd: path.join(__dirname, "../.."),
        env: {
          ...process.env,
          MONGODB_URI: `${uri.replace(/\/?$/, "/")}${dbName}`,
          LOG_LEVEL: "silent",
        },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    let running = true;
    const exited = new Promise((r) => child.once("exit", r)).then(() => (running = false));
    // Killed once some threads are written and before the last one is.
    for (let i = 0; running && i < 6000 && (await Thread.countDocuments({})) < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await exited;
    const before = await expectNoHalfThreads();
    expect(before).toBeGreaterThanOrEqual(3);
    expect(before).toBeLessThan(THREADS);

    const said = await runAdmin(["import", path.join(dir, "disqus.xml"), "--site", site._id]);
    expect(said).toMatch(
      new RegExp(`done: ${THREADS} threads, \\d+ comments added, 0 skipped, 0 errors`),
    );
    expect(await expectNoHalfThreads()).toBe(THREADS);
    expect(await Comment.countDocuments({ site: site._id })).toBe(THREADS * PER_THREAD);
  }, 120_000);
});
