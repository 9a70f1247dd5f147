/**
 * Import bench: generates a Disqus export and a WordPress WXR of BENCH_IMPORT_COMMENTS comments
 * each (default 100,000, in threads of 100), imports each into a fresh site on the embedded engine
 * (or MONGODB_URI) as the admin command does, and prints comments/s and the process's peak RSS.
 *
 *   npm run bench:import
 *   BENCH_IMPORT_COMMENTS=300000 npm run bench:import    # RSS should not grow with the file
 *   BENCH_IMPORT_FORMATS=wxr npm run bench:import          # one format only
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mongoose from "mongoose";
import "../models";
import { loadConfig, projectRoot } from "../config";
import { Site, DEFAULT_SITE_SETTINGS } from "../models/Site";
import { connectDatabase, ensureIndexes } from "../server/database";
import { scratchDataDir, startEmbeddedEngine, type EmbeddedEngine } from "../server/engine";
import { runImport, startImport } from "../server/imports/importer";
import type { ImportFormat } from "../server/imports/records";
import { disqusExport, wxrExport } from "./exportFiles";

const COMMENTS = Number(process.env.BENCH_IMPORT_COMMENTS ?? 100_000);
const PER_THREAD = 100;

async function main() {
  let engine: EmbeddedEngine | null = null;
  let dir: string | null = null;
  let uri = loadConfig().mongodbUri;
  if (!uri) {
    dir = scratchDataDir("import-bench-");
    engine = await startEmbeddedEngine({
      binary: path.join(projectRoot, ".tools", "bin", "ferretdb"),
      dataDir: dir,
    });
    uri = engine.uri;
  }
  await connectDatabase(uri, "import_bench", engine?.postgresUrl);
  await mongoose.connection.db!.dropDatabase();
  await ensureIndexes();
  const files = fs.mkdtempSync(path.join(os.tmpdir(), "import-bench-files-"));
  const rows: string[] = [];
  const threads = Math.max(1, Math.round(COMMENTS / PER_THREAD));
  for (const [format, make] of [
    ["disqus", disqusExport],
    ["wxr", wxrExport],
  ] as [ImportFormat, typeof disqusExport][]) {
    if (process.env.BENCH_IMPORT_FORMATS && !process.env.BENCH_IMPORT_FORMATS.includes(format))
      continue;
    const file = path.join(files, `${format}.xml`);
    const out = fs.createWriteStream(file);
    for (const chunk of make(threads, PER_THREAD)) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const bytes = fs.statSync(file).size;
    await Site.create({
      _id: `bench-${format}`,
      name: format,
      origins: [],
      settings: DEFAULT_SITE_SETTINGS,
    });

    (globalThis as { gc?: () => void }).gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const opts = {
      site: `bench-${format}`,
      format,
      key: "identifier" as const,
      postgresUrl: engine?.postgresUrl,
    };
    const started = Date.now();
    let staged = 0;
    const job = await startImport(opts);
    const done = await runImport(job, fs.createReadStream(file), {
      ...opts,
      onStaged: () => (staged = Date.now() - started),
    });
    const secs = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const line =
      `| ${format} | ${(bytes / 1e6).toFixed(0)} MB | ${done.threads} | ${done.comments} | ` +
      `${(staged / 1000).toFixed(1)} s | ${secs.toFixed(1)} s | ${Math.round(done.comments / secs)} | ` +
      `${(baseline / 2 ** 20).toFixed(0)} → ${(peak / 2 ** 20).toFixed(0)} MiB | ${done.status}, ${done.errorCount} errors |`;
    console.log(line);
    for (const e of done.problems) console.log(`  ${e.line ? `line ${e.line}: ` : ""}${e.message}`);
    rows.push(line);
  }
  console.log(
    "\n| format | file | threads | comments | read and staged in | total | comments/s | RSS (before → peak) | result |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  );
  for (const r of rows) console.log(r);
  fs.rmSync(files, { recursive: true, force: true });
  await mongoose.disconnect();
  await engine?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
