/* eslint-disable @typescript-eslint/no-explicit-any -- models of any document type */
import crypto from "node:crypto";
import type { Model } from "mongoose";
import { Client } from "pg";

/**
 * The fields to index for FerretDB: the leading field of every index the schema declares, and
 * `_id`. FerretDB's PostgreSQL handler turns a top-level equality condition into
 * `_jsonb->'field' @> value` and leaves everything else (ranges, `$in`, `$or`, dotted paths) to be
 * filtered in Go after the fetch; its own btree indexes cannot serve `@>`, GIN ones can. The
 * leading field is the selective one, as on MongoDB; PostgreSQL checks the other equality
 * conditions on the rows that index finds, before FerretDB decodes them. Indexing the rest too
 * (`depth`, `visible`, `score`) would only slow every insert.
 */
export function pushdownFields(model: Model<any>): string[] {
  const fields = new Set<string>(["_id"]);
  for (const [keys] of model.schema.indexes()) {
    const leading = Object.keys(keys)[0];
    if (leading && !leading.includes(".")) fields.add(leading);
  }
  return [...fields];
}

function ginIndexName(table: string, field: string): string {
  const hash = crypto.createHash("sha1").update(`${table}.${field}`).digest("hex").slice(0, 10);
  return `${table.slice(0, 40)}_${hash}_gin`;
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Makes sure every pushdown field of every model has a GIN expression index (`jsonb_path_ops`) on
 * the table FerretDB keeps that collection in. The collections must exist (createIndexes makes
 * them). Idempotent; runs at start-up and after a test drops its database.
 */
export async function ensureGinIndexes(
  postgresUrl: string,
  database: string,
  models: Model<any>[],
): Promise<void> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const meta = await client.query<{ name: string; table: string }>(
      `SELECT _jsonb->>'_id' AS name, _jsonb->>'table' AS table FROM ${quoteIdent(database)}._ferretdb_database_metadata`,
    );
    const tables = new Map(meta.rows.map((r) => [r.name, r.table]));
    for (const model of models) {
      const table = tables.get(model.collection.collectionName);
      if (!table) continue;
      for (const field of pushdownFields(model)) {
        await client.query(
          `CREATE INDEX IF NOT EXISTS ${quoteIdent(ginIndexName(table, field))} ON ${quoteIdent(database)}.${quoteIdent(table)} ` +
            `USING gin ((_jsonb->${quoteLiteral(field)}) jsonb_path_ops)`,
        );
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * After a bulk load: fresh statistics for the planner, and GIN's pending list merged, so the first
 * queries do not pay for them (measured: 1.6 s first pages right after 100,000 inserts, 70 ms after).
 */
export async function analyzeEngine(postgresUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      "SELECT tablename AS t FROM pg_tables WHERE schemaname = $1",
      [database],
    );
    for (const { t } of rows)
      await client.query(`VACUUM ANALYZE ${quoteIdent(database)}.${quoteIdent(t)}`);
  } finally {
    await client.end();
  }
}
