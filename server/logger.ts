import pino, { type Logger } from "pino";

/** JSON logs; tokens and cookies are redacted wherever they would appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "token",
        "*.token",
        "headers.authorization",
      ],
      censor: "[redacted]",
    },
  });
}
