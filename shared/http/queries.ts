import * as z from 'zod';

/**
 * Query strings of the list routes: the schemas that parse them are the parameters the OpenAPI
 * document declares. Unknown parameters are refused (422) so a typo never silently lists everything.
 */
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** Opaque: the `next_cursor` of the previous page (base64url). */
  cursor: z
    .string()
    .max(2048)
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this API returned')
    .optional(),
});

export const hookListQuery = pageQuery.extend({
  scope: z.string().min(1).max(200).optional(),
});
