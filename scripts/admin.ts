/**
 * The administrator's command line: roles and sites. Run it with `npm run admin -- <command>`.
 * It reads the same configuration as the service (MONGODB_URI, or the embedded engine on DATA_DIR).
 */
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
import { siteSlug, text } from "../server/validation";

export const USAGE = `Usage: npm run admin -- <command>

  grant <provider:username> <site> <moderator|admin>   give a role on a site (replaces their role there)
  revoke <provider:username> <site>                    take away their role on a site
  create-site <slug> --name <name> [--origin <https://...>]...
                                                       create a site with the allowed origins

Accounts are named as in ADMIN_IDENTITIES (e.g. twitter:jack) and must have signed in once.`;

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** A well-formed command that cannot be carried out (unknown site or account): exit code 1. */
export class AdminError extends Error {}

/** Runs one command against a connected database; returns what to print. */
export async function runAdmin(argv: string[]): Promise<string> {
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
    default:
      throw new UsageError(command ? `unknown command "${command}"` : "no command given");
  }
}

/**
 * Connects as the service does: MONGODB_URI, or the embedded engine on DATA_DIR. While a service
 * runs on DATA_DIR its engine is used (PostgreSQL allows one server per data folder); otherwise the
 * command starts the engine for itself and stops it after.
 */
async function withDatabase<T>(config: Config, work: () => Promise<T>): Promise<T> {
  let engine: EmbeddedEngine | null = null;
  let uri = config.mongodbUri;
  let postgresUrl: string | undefined;
  if (!uri) {
    const running = await runningEngine(config.dataDir);
    if (running) {
      ({ uri, postgresUrl } = running);
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
    return await work();
  } finally {
    await disconnectDatabase();
    await engine?.stop();
  }
}

if (require.main === module) {
  (async () => {
    const config = loadConfig();
    console.log(await withDatabase(config, () => runAdmin(process.argv.slice(2))));
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
