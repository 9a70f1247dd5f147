import mongoose from "mongoose";

mongoose.set("strictQuery", true);
// Without a connection, operations fail at once instead of queueing behind a dead database.
mongoose.set("bufferCommands", false);

/** Connects the shared mongoose connection and builds every model's indexes. */
export async function connectDatabase(uri: string, dbName?: string): Promise<typeof mongoose> {
  await mongoose.connect(uri, {
    dbName,
    serverSelectionTimeoutMS: 5000,
    heartbeatFrequencyMS: 2000,
    autoIndex: false,
  });
  await Promise.all(Object.values(mongoose.models).map((m) => m.createIndexes()));
  return mongoose;
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}
