// Importing this registers every model, so indexes are built for all of them at start-up.
export { AuthState } from "./AuthState";
export { AuthorRecord } from "./AuthorRecord";
export { Ban } from "./Ban";
export { BucketList } from "./BucketList";
export { Comment } from "./Comment";
export { Flag } from "./Flag";
export { ModerationLog } from "./ModerationLog";
export { SchemaVersion } from "./SchemaVersion";
export { Session } from "./Session";
export { Site } from "./Site";
export { Thread } from "./Thread";
export { ThreadEvent } from "./ThreadEvent";
export { Identity, User } from "./User";
export { Import } from "./Import";
export { ImportRecord } from "./ImportRecord";
export { Vote } from "./Vote";
