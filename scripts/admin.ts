/**
 * The administrator's command line: roles and sites. Run it with `npm run admin -- <command>`.
 * It reads the same configuration as the service (MONGODB_URI, or the embedded engine on DATA_DIR).
 */
import fs from "node:fs";
import { once } from "node:events";
import cliProgress from "cli-progress";
import { loadConfig, type Config } from "../config";
import "../models";
import {
  grantRole,
  isSiteRole,
  parseIdentityName,
  revokeRole,
  findUserByIdentity,
} from "../auth/roles";
import { origin as originSchema } from "../routes/auth.schema";
import { Site } from "../models/Site";
import { connectDatabase, disconnectDatabase, EMBEDDED_DATABASE } from "../server/database";
import { runningEngine, startEmbeddedEngine, type EmbeddedEngine } from "../server/engine";
import { createSite } from "../server/services/sites";
import { exportSite } from "../server/imports/exporter";
import { presentImport, runImport, sniffFormat, startImport } from "../server/imports/importer";
import {
  IMPORT_FORMATS,
  THREAD_KEY_SOURCES,
  type ImportFormat,
  type ThreadKeySource,
} from "../server/imports/records";
import { siteSlug, text } from "../server/validation";

export const USAGE = `Usage: npm run admin -- <command>

  grant <provider:username> <site> <moderator|admin>   give a role on a site (replaces their role there)
  revoke <provider:username> <site>                    take away their role on a site
  create-site <slug> --name <name> [--origin <https://...>]...
                                                       create a site with the allowed origins
  import <file> --site <slug> [--format ${IMPORT_FORMATS.join("|")}] [--key ${THREAD_KEY_SOURCES.join("|")}]
                                                       import an export file (format sniffed when not given)
  export --site <slug>                                 write the site's comments as NDJSON to stdout

Accounts are named as in ADMIN_IDENTITIES (e.g. twitter:jack) and must have signed in once.`;

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** A well-formed command that cannot be carried out (unknown site or account): exit code 1. */
export class AdminError extends Error {}

/** What a command may use besides the database. */
export interface AdminContext {
  /** The embedded engine's PostgreSQL, when that is the database. */
  postgresUrl?: string;
  /** The running service on DATA_DIR, told to forget cached pages after an import. */
  servicePid?: number;
  /** Where the export goes (standard output). */
  out?: NodeJS.WritableStream;
  /** Where progress goes (standard error); a bar only when it is a terminal. */
  err?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** `--flag value` pairs after a command's positional arguments. */
function flags(rest: string[], allowed: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i]!, rest[i + 1]];
    if (!allowed.includes(flag)) throw new UsageError(`unknown option ${flag}`);
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    out[flag.slice(2)] = value;
  }
  return out;
}

async function importCommand(args: string[], ctx: AdminContext): Promise<string> {
  const [file, ...rest] = args;
  if (!file || file.startsWith("--")) throw new UsageError("import needs a file");
  const f = flags(rest, ["--site", "--format", "--key"]);
  if (!f.site) throw new UsageError("import needs --site");
  if (f.format && !(IMPORT_FORMATS as readonly string[]).includes(f.format))
    throw new UsageError(`--format is one of ${IMPORT_FORMATS.join(", ")}`);
  if (f.key && !(THREAD_KEY_SOURCES as readonly string[]).includes(f.key))
    throw new UsageError(`--key is one of ${THREAD_KEY_SOURCES.join(", ")}`);
  if (!(await Site.exists({ _id: f.site }))) throw new AdminError(`no site "${f.site}"`);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new AdminError(`cannot read ${file}`);
  }
  const head = Buffer.alloc(4096);
  const fd = fs.openSync(file, "r");
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const format = (f.format as ImportFormat | undefined) ?? sniffFormat(head.subarray(0, n));
  if (!format) throw new UsageError(`cannot tell the format of ${file}: give --format`);
  const opts = {
    site: f.site,
    format,
    key: (f.key as ThreadKeySource | undefined) ?? "identifier",
    postgresUrl: ctx.postgresUrl,
  };
  const err = ctx.err ?? process.stderr;
  const bar = err.isTTY
    ? new cliProgress.SingleBar(
        {
          stream: err,
          format:
            "importing {bar} {percentage}% | {value}/{total} MB | {threads} threads, {comments} comments",
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const mb = (b: number) => Math.round(b / 1e5) / 10;
  bar?.start(mb(size), 0, { threads: 0, comments: 0 });
  const job = await startImport(opts);
  const started = Date.now();
  const done = presentImport(
    await runImport(job, fs.createReadStream(file), {
      ...opts,
      onProgress: (p) => bar?.update(mb(p.bytes), { threads: p.threads, comments: p.comments }),
    }),
  );
  bar?.stop();
  if (ctx.servicePid) {
    try {
      process.kill(ctx.servicePid, "SIGUSR2");
    } catch {
      // Not ours to signal, or gone: its cached pages expire as their threads change.
    }
  }
  for (const e of done.errors) err.write(`${e.line ? `line ${e.line}: ` : ""}${e.message}\n`);
  const secs = (Date.now() - started) / 1000;
  return (
    `import ${done.id} ${done.status}: ${done.threads} threads, ${done.comments} comments added, ` +
    `${done.skipped} skipped, ${done.errorCount} errors (${format}, ${secs.toFixed(1)} s)`
  );
}

async function exportCommand(args: string[], ctx: AdminContext): Promise<string> {
  const f = flags(args, ["--site"]);
  if (!f.site) throw new UsageError("export needs --site");
  if (!(await Site.exists({ _id: f.site }))) throw new AdminError(`no site "${f.site}"`);
  const out = ctx.out ?? process.stdout;
  let lines = 0;
  for await (const line of exportSite(f.site)) {
    lines++;
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, "drain");
  }
  return `exported ${lines} lines of ${f.site}`;
}

/** Runs one command against a connected database; returns what to print. */
export async function runAdmin(argv: string[], ctx: AdminContext = {}): Promise<string> {
  const [command, ...args] = argv;
  switch (command) {
    case "grant":
    case "revoke": {
      const [who, site, role] = args;
      const expected = command === "grant" ? 3 : 2;
      if (args.length !== expected || !who || !site)
        throw new UsageError(`${command} takes ${expected} arguments`);
      const identity = parseIdentityName(who);
      if (!identity) throw new UsageError(`"${who}" is not provider:username`);
      if (!(await Site.exists({ _id: site }))) throw new AdminError(`no site "${site}"`);
      const user = await findUserByIdentity(identity.provider, identity.username);
      if (!user) throw new AdminError(`${who} has not signed in yet`);
      if (command === "grant") {
        if (!role || !isSiteRole(role)) throw new UsageError("the role is moderator or admin");
        await grantRole(user, site, role);
        return `${who} is now ${role} of ${site}`;
      }
      await revokeRole(user, site);
      return `${who} has no role on ${site} any more`;
    }
    case "create-site": {
      const [slug, ...rest] = args;
      const parsedSlug = siteSlug.safeParse(slug);
      if (!parsedSlug.success)
        throw new UsageError(`"${slug ?? ""}" is not a site slug (a-z, 0-9, -)`);
      let name: string | undefined;
      const origins: string[] = [];
      for (let i = 0; i < rest.length; i += 2) {
        const [flag, value] = [rest[i], rest[i + 1]];
        if (value === undefined) throw new UsageError(`${flag} needs a value`);
        if (flag === "--name") {
          const parsed = text({ min: 1, max: 200 }).safeParse(value);
          if (!parsed.success) throw new UsageError("--name must be 1 to 200 characters");
          name = parsed.data;
        } else if (flag === "--origin") {
          const parsed = originSchema.safeParse(value.replace(/\/$/, ""));
          if (!parsed.success)
            throw new UsageError(`"${value}" is not an origin (https://host[:port])`);
          origins.push(parsed.data);
        } else throw new UsageError(`unknown option ${flag}`);
      }
      if (!name) throw new UsageError("create-site needs --name");
      if (await Site.exists({ _id: parsedSlug.data }))
        throw new AdminError(`a site "${parsedSlug.data}" already exists`);
      const site = await createSite(parsedSlug.data, name, [...new Set(origins)]);
      return `created site ${site._id} (${site.name}), allowed origins: ${site.origins.join(", ") || "(only the service's own)"}`;
    }
    case "import":
      return importCommand(args, ctx);
    case "export":
      return exportCommand(args, ctx);
    default:
      throw new UsageError(command ? `unknown command "${command}"` : "no command given");
  }
}

/**
 * Connects as the service does: MONGODB_URI, or the embedded engine on DATA_DIR. While a service
 * runs on DATA_DIR its engine is used (PostgreSQL allows one server per data folder); otherwise the
 * command starts the engine for itself and stops it after.
 */
async function withDatabase<T>(
  config: Config,
  work: (ctx: AdminContext) => Promise<T>,
): Promise<T> {
  let engine: EmbeddedEngine | null = null;
  let uri = config.mongodbUri;
  let postgresUrl: string | undefined;
  let servicePid: number | undefined;
  if (!uri) {
    const running = await runningEngine(config.dataDir);
    if (running) {
      ({ uri, postgresUrl } = running);
      servicePid = running.ownerPid;
    } else {
      engine = await startEmbeddedEngine({
        binary: config.ferretdbBin,
        dataDir: config.dataDir,
        postgresBinDir: config.postgresBinDir,
      });
      ({ uri, postgresUrl } = engine);
    }
  }
  try {
    await connectDatabase(uri, config.mongodbUri ? undefined : EMBEDDED_DATABASE, postgresUrl);
    return await work({ postgresUrl, servicePid });
  } finally {
    await disconnectDatabase();
    await engine?.stop();
  }
}

if (require.main === module) {
  (async () => {
    const config = loadConfig();
    const argv = process.argv.slice(2);
    const said = await withDatabase(config, (ctx) => runAdmin(argv, ctx));
    // An export's lines own standard output; what is said of it goes to standard error.
    if (argv[0] === "export") console.error(said);
    else console.log(said);
  })().catch((err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(
      err instanceof AdminError
        ? `error: ${err.message}`
        : err instanceof Error
          ? err.message
          : err,
    );
    process.exit(1);
  });
}
