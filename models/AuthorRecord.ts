import { Schema, model } from "mongoose";

/**
 * How many approved comments an author has on a site, for WordPress's "comment author must have a
 * previously approved comment". _id is "site|user:<id>" or "site|email:<address>", so the check
 * is one lookup by key.
 */
export interface AuthorRecordDoc {
  _id: string;
  approvedCount: number;
}

const authorRecordSchema = new Schema<AuthorRecordDoc>(
  {
    _id: { type: String, required: true },
    approvedCount: { type: Number, default: 0 },
  },
  { versionKey: false },
);

export const AuthorRecord = model<AuthorRecordDoc>("AuthorRecord", authorRecordSchema);
