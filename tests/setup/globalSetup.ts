import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../config";
import { startEmbeddedEngine, type EmbeddedEngine } from "../../server/engine";

declare global {
  var __ENGINE__: EmbeddedEngine | undefined;
  var __ENGINE_DIR__: string | undefined;
}

/**
 * One database engine for the whole run: FerretDB on a free port and a fresh folder, unless
 * MONGODB_URI points the tests at a real MongoDB. Each test file then uses its own database.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "comments-test-engine-"));
  const engine = await startEmbeddedEngine({
    binary: process.env.FERRETDB_BIN ?? path.join(projectRoot, ".tools", "bin", "ferretdb"),
    dataDir: dir,
    durable: false,
  });
  globalThis.__ENGINE__ = engine;
  globalThis.__ENGINE_DIR__ = dir;
  process.env.TEST_MONGODB_URI = engine.uri;
  process.env.TEST_POSTGRES_URL = engine.postgresUrl;
}
