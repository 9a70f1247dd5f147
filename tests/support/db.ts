import crypto from "node:crypto";
import path from "node:path";
import mongoose from "mongoose";
import "../../models";
import { connectDatabase, disconnectDatabase, ensureIndexes } from "../../server/database";

/** A database name of the test file's own, so files running in parallel never share data. */
export function databaseNameFor(testPath: string): string {
  const base = path
    .basename(testPath)
    .replace(/\.test\.ts$/, "")
    .replace(/[^a-zA-Z0-9]/g, "_")
    .slice(0, 30);
  const hash = crypto.createHash("sha1").update(testPath).digest("hex").slice(0, 8);
  return `t_${base}_${hash}`;
}

/** Connects before the file's tests and drops its database after them. */
export function useTestDatabase(): { uri: string; dbName: string } {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri)
    throw new Error(
      "TEST_MONGODB_URI is not set: run the tests through jest (globalSetup starts the engine).",
    );
  const dbName = databaseNameFor(expect.getState().testPath ?? "unknown");
  beforeAll(async () => {
    await connectDatabase(uri, dbName, process.env.TEST_POSTGRES_URL);
    await mongoose.connection.db!.dropDatabase();
    await ensureIndexes();
  });
  afterAll(async () => {
    if (mongoose.connection.readyState === mongoose.ConnectionStates.connected) {
      await mongoose.connection.db!.dropDatabase();
    }
    await disconnectDatabase();
  });
  return { uri, dbName };
}
