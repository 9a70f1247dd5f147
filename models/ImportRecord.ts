import { Schema, model } from "mongoose";

/**
 * A record of an import's file, staged while the file streams in: a thread, a comment or an
 * author. Staging lets a comment come before its thread, its parent or its author, and lets a
 * thread be written whole once its file is read, so no thread is ever half visible.
 */
export interface ImportRecordDoc {
  /** `<import>:<kind>:<source id>`: a duplicate id in the file is refused by the unique _id. */
  _id: string;
  import: string;
  /** `<import>:threads` for threads, `<import>:t:<thread source id>` for a thread's comments. */
  group: string | null;
  /**
   * `<import>:<n>`, n counting STAGE_CHUNK records at a time: staging is cleared a chunk per
   * command, since FerretDB 1.24 fails a delete that matches more than 65,535 documents ("extended
   * protocol limited to 65535 parameters").
   */
  chunk: string;
  data: Record<string, unknown>;
  line: number | null;
}

const importRecordSchema = new Schema<ImportRecordDoc>(
  {
    _id: { type: String, required: true },
    import: { type: String, required: true },
    group: { type: String, default: null },
    chunk: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    line: { type: Number, default: null },
  },
  { versionKey: false, minimize: false },
);

// One exact key per thread's comments: the embedded engine matches that thread's records alone.
importRecordSchema.index({ group: 1 });
// Clearing an import's staging, one chunk at a time.
importRecordSchema.index({ chunk: 1 });

export const ImportRecord = model<ImportRecordDoc>("ImportRecord", importRecordSchema);
