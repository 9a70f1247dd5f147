import { Schema, model } from "mongoose";
import { IMPORT_FORMATS, THREAD_KEY_SOURCES } from "../server/imports/records";

export const IMPORT_STATUSES = ["running", "done", "failed"] as const;

/** At most this many errors are kept on an import; `errorCount` counts them all. */
export const KEPT_IMPORT_ERRORS = 100;

export interface ImportError {
  message: string;
  line?: number;
}

/** One run of an importer: what the status endpoint and the admin command report. */
export interface ImportDoc {
  _id: string;
  site: string;
  format: (typeof IMPORT_FORMATS)[number];
  key: (typeof THREAD_KEY_SOURCES)[number];
  status: (typeof IMPORT_STATUSES)[number];
  threads: number;
  comments: number;
  skipped: number;
  /** Presented as `errors` (a name mongoose keeps for itself). */
  problems: ImportError[];
  errorCount: number;
  bytes: number;
  startedAt: Date;
  finishedAt: Date | null;
  /** The process running it, so a status read can tell a run whose process died. */
  owner: string;
  heartbeatAt: Date;
}

const importSchema = new Schema<ImportDoc>(
  {
    _id: { type: String, required: true },
    site: { type: String, required: true },
    format: { type: String, enum: IMPORT_FORMATS, required: true },
    key: { type: String, enum: THREAD_KEY_SOURCES, required: true },
    status: { type: String, enum: IMPORT_STATUSES, required: true },
    threads: { type: Number, default: 0 },
    comments: { type: Number, default: 0 },
    skipped: { type: Number, default: 0 },
    problems: { type: [{ message: String, line: Number, _id: false }], default: [] },
    errorCount: { type: Number, default: 0 },
    bytes: { type: Number, default: 0 },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
    owner: { type: String, required: true },
    heartbeatAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const Import = model<ImportDoc>("Import", importSchema);
