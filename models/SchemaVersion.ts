import { Schema, model } from "mongoose";

/** One document, `_id: "schema"`: the layout version the stored data has been migrated to. */
export interface SchemaVersionDoc {
  _id: string;
  version: number;
}

const schemaVersionSchema = new Schema<SchemaVersionDoc>(
  { _id: { type: String, required: true }, version: { type: Number, required: true } },
  { versionKey: false },
);

export const SchemaVersion = model<SchemaVersionDoc>("SchemaVersion", schemaVersionSchema);
