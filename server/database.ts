import mongoose from "mongoose";

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

/** Connects the shared mongoose connection and builds every model's indexes. */
export async function connectDatabase(uri: string, dbName?: string): Promise<typeof mongoose> {
  const ferret = await isFerretDB(uri);
  await mongoose.connect(uri, {
    dbName,
    ...timeouts,
    autoIndex: false,
    ...(ferret ? { maxPoolSize: 1, minPoolSize: 1 } : {}),
  });
  await Promise.all(Object.values(mongoose.models).map((m) => m.createIndexes()));
  return mongoose;
}

/** A unique index refused the write: the race's other side got there first. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof mongoose.mongo.MongoServerError && err.code === 11000;
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}
