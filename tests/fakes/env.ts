/**
 * The configuration that points every sign-in provider at the fakes, with the credentials the
 * fakes check.
 */
export function fakeProviderEnv(fakes: {
  wordpress: { url: string };
  twitter: { url: string };
  facebook: { url: string };
}): Record<string, string> {
  return {
    WORDPRESS_CLIENT_ID: "wp-client",
    WORDPRESS_CLIENT_SECRET: "wp-secret",
    WORDPRESS_API_URL: fakes.wordpress.url,
    TWITTER_CONSUMER_KEY: "tw-key",
    TWITTER_CONSUMER_SECRET: "tw-secret",
    TWITTER_API_URL: fakes.twitter.url,
    FACEBOOK_APP_ID: "fb-app",
    FACEBOOK_APP_SECRET: "fb-secret",
    FACEBOOK_DIALOG_URL: fakes.facebook.url,
    FACEBOOK_GRAPH_URL: fakes.facebook.url,
  };
}
