import { z } from "zod";
import { FLAG_REASONS } from "../models/Flag";
import { text } from "../server/validation";

export const commentParams = z.object({ id: z.string().max(100) });

export const repliesQuery = z.object({
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const editBody = z.object({ body: text({ min: 1, max: 10_000 }) }).strict();

export const voteBody = z
  .object({ value: z.union([z.literal(-1), z.literal(0), z.literal(1)]) })
  .strict();

export const flagBody = z
  .object({ reason: z.enum(FLAG_REASONS), note: text({ max: 1000 }).optional() })
  .strict();
