import { z } from "zod";
import { FORGET_MODES } from "../server/services/personalData";
import { text } from "../server/validation";

export const deleteAccountQuery = z.object({
  comments: z.enum(FORGET_MODES).default("anonymize"),
});

export const eraseBody = z
  .object({
    email: text({ min: 3, max: 254 }).pipe(z.string().email()),
    comments: z.enum(FORGET_MODES).default("anonymize"),
  })
  .strict();
