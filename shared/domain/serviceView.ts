import * as z from 'zod';

/** Services (instruments) as the API takes and answers them (SPEC §6). */
const idLike = /^[A-Za-z0-9_.:-]+$/;

export const serviceIdSchema = z.string().min(1).max(200).regex(idLike, 'letters, digits and _ . : -');

export const serviceInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  tags: z
    .array(z.string().trim().min(1).max(64).regex(idLike, 'letters, digits and _ . : -'))
    .max(50)
    .default([]),
});

export const serviceViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  has_interlock: z.boolean(),
  updated_at: z.string(),
});
export type ServiceView = z.infer<typeof serviceViewSchema>;

export const servicePageSchema = z.object({
  services: z.array(serviceViewSchema),
  next_cursor: z.string().nullable(),
});
