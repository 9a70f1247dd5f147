/** The API objects the browser code reads (shared/API.md). */
export type Provider = "wordpress" | "twitter" | "facebook";

export interface ApiComment {
  id: string;
  site: string;
  threadKey: string;
  parentId: string | null;
  depth: number;
  status: "approved" | "pending" | "rejected" | "spam" | "deleted";
  author: {
    id: string | null;
    name: string;
    avatarUrl: string | null;
    profileUrl: string | null;
    provider: Provider | "guest";
    role: "commenter" | "moderator" | "admin";
  };
  /** Sanitized by the server; the only HTML the browser code ever inserts. */
  html: string;
  body?: string;
  createdAt: string;
  editedAt: string | null;
  score: number;
  myVote: number;
  replyCount: number;
  pinned: boolean;
  replies: ApiComment[];
  moreReplies: number;
  repliesCursor: string | null;
}

export interface ApiThread {
  site: string;
  key: string;
  url: string | null;
  title: string | null;
  open: boolean;
  commentCount: number;
  settings: {
    requireLogin: boolean;
    allowGuests: boolean;
    providers: Provider[];
    maxDepth: number;
    editWindowSeconds: number;
  };
}

export interface ApiUser {
  id: string;
  name: string;
  avatarUrl: string | null;
  profileUrl: string | null;
  provider: Provider;
  identities: { provider: Provider; username: string }[];
  roles: Record<string, "moderator" | "admin">;
}

export const PROVIDER_NAMES: Record<Provider, string> = {
  wordpress: "WordPress.com",
  twitter: "Twitter",
  facebook: "Facebook",
};
