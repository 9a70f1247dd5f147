import { io, type Socket } from "socket.io-client";

/** A socket to the service; anonymous when there is no token. */
export function connectLive(serviceOrigin: string, token: string | null, site?: string): Socket {
  return io(serviceOrigin, {
    path: "/socket.io",
    auth: { ...(token ? { token } : {}), ...(site ? { site } : {}) },
    transports: ["websocket", "polling"],
    withCredentials: false,
  });
}

export type Ack<T> = { ok: true } & T;
export type Nack = { ok: false; error: { code: string; message: string } };
