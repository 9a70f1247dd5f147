import type { ClientRequest } from "node:http";

/**
 * How long a call to a provider may sit without an answer before sign-in gives up with
 * provider_error. An object so the tests can shorten it.
 */
export const providerDeadline = { ms: 10_000 };

function withDeadline(request: ClientRequest): ClientRequest {
  request.setTimeout(providerDeadline.ms, () =>
    request.destroy(new Error(`the provider did not answer within ${providerDeadline.ms} ms`)),
  );
  return request;
}

type RequestFactory = { request(options: unknown): ClientRequest };

/*
 * node-oauth, under passport-oauth2 and passport-oauth1, sets no timeout: a provider that accepts
 * the connection and never answers would leave the popup waiting for ever. These wrap its request
 * factories (node-oauth 0.10, pinned by the lockfile); a destroyed request reaches the strategy as
 * an ordinary error, and so the opener as provider_error.
 */

/** For an OAuth 2 strategy's `_oauth2` (token and profile calls). */
export function applyDeadlineToOAuth2(oauth2: unknown): void {
  const o = oauth2 as { _chooseHttpLibrary(url: unknown): RequestFactory };
  const choose = o._chooseHttpLibrary.bind(o);
  o._chooseHttpLibrary = (url) => {
    const library = choose(url);
    return { request: (options) => withDeadline(library.request(options)) };
  };
}

/** For an OAuth 1.0a strategy's `_oauth` (request token, access token and profile calls). */
export function applyDeadlineToOAuth1(oauth: unknown): void {
  const o = oauth as { _createClient(...args: unknown[]): ClientRequest };
  const create = o._createClient.bind(o);
  o._createClient = (...args) => withDeadline(create(...args));
}
