/** Base of every error the API answers on purpose: a status, a stable code, a safe message. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(400, "invalid_request", message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Sign in to do this.") {
    super(401, "unauthenticated", message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You are not allowed to do this.") {
    super(403, "forbidden", message);
  }
}

export class BannedError extends AppError {
  constructor(message = "You are banned from commenting on this site.") {
    super(403, "banned", message);
  }
}

export class ThreadClosedError extends AppError {
  constructor(message = "This thread is closed to new comments.") {
    super(403, "thread_closed", message);
  }
}

export class LoginRequiredError extends AppError {
  constructor(message = "Please log in to post a comment on this site.") {
    super(403, "login_required", message);
  }
}

export class NotFoundError extends AppError {
  constructor(what = "Resource") {
    super(404, "not_found", `${what} not found.`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, "conflict", message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = "The request body is too large.") {
    super(413, "payload_too_large", message);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = "Send the request body as application/json.") {
    super(415, "unsupported_media_type", message);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = "Too many requests; try again later.") {
    super(
      429,
      "rate_limited",
      message,
      { retryAfterSeconds },
      {
        "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))),
      },
    );
  }
}

export class UnavailableError extends AppError {
  constructor(message = "The database is unavailable; try again shortly.") {
    super(503, "unavailable", message);
  }
}
