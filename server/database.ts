import mongoose from "mongoose";
import { watchCommands } from "./metrics";
import { ensureGinIndexes } from "./engineIndexes";
import { migrate } from "./migrations";

mongoose.set("strictQuery", true);
// Without a connection, operations fail at once instead of queueing behind a dead database.
mongoose.set("bufferCommands", false);

const timeouts = { serverSelectionTimeoutMS: 5000, heartbeatFrequencyMS: 2000 };

/**
 * FerretDB applies an update as read, modify, write with no isolation between its connections, so
 * two concurrent $inc on one document can lose one (measured: 50 concurrent increments gave 30).
 * Over a single connection its operations apply one after another and $inc is atomic again.
 * MongoDB needs no such care and gets a normal pool.
 */
async function isFerretDB(uri: string): Promise<boolean> {
  const client = new mongoose.mongo.MongoClient(uri, { ...timeouts, maxPoolSize: 1 });
  try {
    await client.connect();
    const info = await client.db("admin").command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === "string";
  } finally {
    await client.close();
  }
}

/** The database name the service and the admin command use on the embedded engine. */
export const EMBEDDED_DATABASE = "comments";

let engineIndexTarget: string | null = null;

/**
 * Reads that fan out into many small queries (counts for an article list) use their own pool on
 * FerretDB: its lost updates come from concurrent writes, and reads in parallel take 55 ms where
 * one connection takes 137 ms for 100 lookups (measured). Writes stay on the single connection.
 */
const READ_POOL = 8;
let readConnection: mongoose.Connection | null = null;

/** The model on the read pool (on MongoDB, the model itself: its pool serves both). */
export function forReads<T>(model: mongoose.Model<T>): mongoose.Model<T> {
  if (!readConnection) return model;
  return (
    (readConnection.models[model.modelName] as mongoose.Model<T> | undefined) ??
    readConnection.model<T>(model.modelName, model.schema)
  );
}

/**
 * The model for inserting new documents, on the read pool too on FerretDB: what it loses is
 * concurrent updates of one document, and an insert updates nothing (the unique `_id` index still
 * refuses a duplicate). So posts' inserts do not queue behind the single update connection.
 */
export function forInserts<T>(model: mongoose.Model<T>): mongoose.Model<T> {
  return forReads(model);
}

/**
 * Connects the shared mongoose connection and builds every model's indexes. `postgresUrl` is the
 * embedded engine's PostgreSQL: with it, each index also gets the GIN indexes FerretDB can use.
 */
export async function connectDatabase(
  uri: string,
  dbName?: string,
  postgresUrl?: string,
): Promise<typeof mongoose> {
  const ferret = await isFerretDB(uri);
  // The embedded engine is supervised and back within a second or two: a request waits at most
  // 1.5 s for it and then answers 503, rather than the 5 s a replica set's election may need.
  const selection = ferret ? { serverSelectionTimeoutMS: 1500 } : {};
  await mongoose.connect(uri, {
    dbName,
    ...timeouts,
    ...selection,
    autoIndex: false,
    monitorCommands: true,
    ...(ferret ? { maxPoolSize: 1, minPoolSize: 1 } : {}),
  });
  watchCommands(mongoose.connection);
  engineIndexTarget = ferret && postgresUrl ? postgresUrl : null;
  readConnection = ferret
    ? await mongoose
        .createConnection(uri, {
          dbName,
          ...timeouts,
          ...selection,
          autoIndex: false,
          monitorCommands: true,
          maxPoolSize: READ_POOL,
        })
        .asPromise()
    : null;
  if (readConnection) watchCommands(readConnection);
  await ensureIndexes();
  await migrate();
  return mongoose;
}

/** Every model's collection and indexes (and, on the embedded engine, their GIN indexes). */
export async function ensureIndexes(): Promise<void> {
  const models = Object.values(mongoose.models);
  const db = mongoose.connection.db!;
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  for (const m of models) {
    if (!existing.has(m.collection.collectionName))
      await db.createCollection(m.collection.collectionName);
  }
  await Promise.all(models.map((m) => m.createIndexes()));
  if (engineIndexTarget) await ensureGinIndexes(engineIndexTarget, db.databaseName, models);
}

/** A unique index refused the write: the race's other side got there first. */
/**
 * Inserts documents with one unordered command and answers, by position, the error of each one
 * that was refused (a duplicate `_id`, say); the others are stored. Anything but per-document
 * refusals is thrown.
 */
export async function insertEach(
  collection: mongoose.mongo.Collection,
  docs: object[],
): Promise<Map<number, mongoose.mongo.MongoServerError>> {
  const refused = new Map<number, mongoose.mongo.MongoServerError>();
  if (docs.length === 0) return refused;
  try {
    await collection.insertMany(docs as never[], { ordered: false });
  } catch (err) {
    if (!(err instanceof mongoose.mongo.MongoBulkWriteError)) throw err;
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    if (writeErrors.length === 0) throw err;
    for (const w of writeErrors) {
      refused.set(
        w.index,
        new mongoose.mongo.MongoServerError(w.err ?? { errmsg: w.errmsg, code: w.code }),
      );
    }
  }
  return refused;
}

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof mongoose.mongo.MongoServerError && err.code === 11000;
}

export async function disconnectDatabase(): Promise<void> {
  const reads = readConnection;
  readConnection = null;
  await reads?.close();
  await mongoose.disconnect();
}
