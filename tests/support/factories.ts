import { Types } from "mongoose";
import { createSession } from "../../auth/sessions";
import { DEFAULT_SITE_SETTINGS, Site, type SiteDoc, type SiteSettings } from "../../models/Site";
import { User, type SiteRoleGrant, type UserDoc } from "../../models/User";
import { DomainEvents } from "../../server/events";
import { anonymousViewer, type Viewer } from "../../server/policies";
import { createComment, type NewComment } from "../../server/services/commentCreator";

let counter = 0;
const next = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

/** A site with WordPress-like defaults; settings overridable. */
export async function makeSite(
  overrides: { slug?: string; origins?: string[]; settings?: Partial<SiteSettings> } = {},
): Promise<SiteDoc> {
  const site = await Site.create({
    _id: overrides.slug ?? `site-${next()}`,
    name: "Test site",
    origins: overrides.origins ?? ["https://blog.example"],
    settings: { ...DEFAULT_SITE_SETTINGS, preModeration: "none", ...overrides.settings },
  });
  return site.toObject();
}

/** A signed-in user and a bearer token for them. */
export async function makeUser(
  overrides: { name?: string; roles?: SiteRoleGrant[]; provider?: UserDoc["provider"] } = {},
): Promise<{ user: UserDoc; token: string; viewer: Viewer; auth: { Authorization: string } }> {
  const user = (
    await User.create({
      name: overrides.name ?? `User ${next()}`,
      provider: overrides.provider ?? "wordpress",
      avatarUrl: "https://avatars.example/u.png",
      profileUrl: "https://profiles.example/u",
      roles: overrides.roles ?? [],
    })
  ).toObject();
  const token = await createSession(user._id, 3600);
  return {
    user,
    token,
    viewer: { user, sessionId: null, ip: "127.0.0.1" },
    auth: { Authorization: `Bearer ${token}` },
  };
}

/** Posts a comment through the real service (rules, counts and tree placement included). */
export async function makeComment(
  site: string,
  key: string,
  input: Partial<NewComment> & { viewer?: Viewer } = {},
) {
  const viewer = input.viewer ?? { ...anonymousViewer, ip: "127.0.0.9" };
  const guest = viewer.user
    ? undefined
    : (input.guest ?? { name: "Guest", email: `g${next()}@example.com` });
  const { comment } = await createComment({ events: new DomainEvents() }, viewer, site, key, {
    body: input.body ?? `Comment ${next()}`,
    parentId: input.parentId,
    guest,
  });
  return comment;
}

export const newId = () => new Types.ObjectId().toHexString();
