import middy from '@middy/core';
import type { ApiEvent, ApiResponse } from '#shared/http/apiHandler.ts';
import { toResponse } from '#shared/http/response.ts';

/**
 * GET /health: 200 without a token, so load balancers and `npm start` users can probe it. A bare
 * middy handler on purpose: a liveness probe has nothing to log, measure or validate, so it starts
 * without Powertools or zod (init within 2× an empty middy handler, see `npm run bench`).
 */
export const handler = middy<ApiEvent, ApiResponse>().handler(async (event) => {
  const requestId = event.requestContext?.requestId ?? 'unknown';
  if (event.routeKey !== 'GET /health') {
    return toResponse(
      { statusCode: 404, body: { message: `Route ${event.routeKey} not found`, requestId } },
      requestId,
    );
  }
  return toResponse({ statusCode: 200, body: { status: 'ok', service: 'latchkey' } }, requestId);
});
