/** A failed API call, with the contract's stable error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A JSON client for the service's API. It sends the bearer token and never cookies, so it works
 * the same with third-party cookies blocked.
 */
export class ApiClient {
  constructor(
    readonly base: string,
    private readonly token: () => string | null,
    private readonly onUnauthenticated: () => void = () => {},
  ) {}

  /**
   * Sends a request and answers its JSON. A Blob body (a file to import) goes as it is; anything
   * else as JSON.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    if (res.status === 204) return undefined as T;
    return (await res.json().catch(() => null)) as T;
  }

  /** A GET whose answer is a file (an export), as a Blob. */
  async download(path: string): Promise<Blob> {
    return (await this.send("GET", path)).blob();
  }

  /** The response of a successful request; an ApiError for a failed one. */
  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    const raw = typeof Blob !== "undefined" && body instanceof Blob;
    if (body !== undefined && !raw) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : raw ? (body as Blob) : JSON.stringify(body),
        credentials: "omit",
      });
    } catch {
      throw new ApiError(0, "network_error", "The comment service cannot be reached. Try again.");
    }
    if (!res.ok) {
      const data = (await res.json().catch(() => null)) as {
        error?: { code: string; message: string };
      } | null;
      const err = data?.error;
      if (res.status === 401 && token) this.onUnauthenticated();
      throw new ApiError(res.status, err?.code ?? "error", err?.message ?? "Something went wrong.");
    }
    return res;
  }

  get<T>(path: string) {
    return this.request<T>("GET", path);
  }
}

/** Query string from an object, leaving out empty values. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
