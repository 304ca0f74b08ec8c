import * as z from 'zod';

/**
 * What the interlock routes answer (SPEC §6). The schemas are the OpenAPI document's response
 * schemas and the types the interlock service returns.
 */
/** 'other': an `interlock.*` type that names none of the three, refused on another route. */
const actions = ['lock', 'unlock', 'status', 'other'] as const;

export const controlsViewSchema = z.object({
  service_id: z.string(),
  visible: z.boolean(),
  reason: z.string(),
  window: z.object({ from: z.string(), to: z.string() }).optional(),
  /** How many targets each action has, when the controls are visible. */
  targets: z
    .object({ lock: z.number().int(), unlock: z.number().int(), status: z.number().int() })
    .optional(),
});
export type ControlsView = z.infer<typeof controlsViewSchema>;

export const targetReportSchema = z.object({
  hook_id: z.string(),
  name: z.string(),
  ok: z.boolean(),
  status: z.number().int().optional(),
  error: z.string().optional(),
  latency_ms: z.number(),
});
export type TargetReport = z.infer<typeof targetReportSchema>;

export const actResultSchema = z.object({
  service_id: z.string(),
  action: z.enum(['lock', 'unlock']),
  targets: z.array(z.object({ hook_id: z.string(), status: z.number().int(), latency_ms: z.number() })),
});
export type ActResult = z.infer<typeof actResultSchema>;

export const statusResultSchema = z.object({
  service_id: z.string(),
  status: z.enum(['locked', 'unlocked']),
  target: z.object({ hook_id: z.string(), name: z.string(), latency_ms: z.number() }),
});
export type StatusResult = z.infer<typeof statusResultSchema>;

export const auditViewSchema = z.object({
  at: z.string(),
  who: z.string(),
  roles: z.array(z.string()),
  action: z.enum(actions),
  result: z.enum(['ok', 'denied', 'error']),
  http_status: z.number().int(),
  message: z.string().optional(),
  reported: z.enum(['locked', 'unlocked']).optional(),
  /** Set when the attempt came through another route and was refused there. */
  refused: z
    .object({ route: z.string(), event_type: z.string().optional(), hook_id: z.string().optional() })
    .optional(),
  latency_ms: z.number(),
  targets: z.array(targetReportSchema),
});
export type AuditView = z.infer<typeof auditViewSchema>;

export const auditPageSchema = z.object({
  service_id: z.string(),
  entries: z.array(auditViewSchema),
  next_cursor: z.string().nullable(),
});
