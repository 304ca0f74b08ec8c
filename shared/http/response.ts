import type { ApiResponse, ApiResult } from './apiHandler.ts';

const jsonHeaders = { 'content-type': 'application/json' };

/**
 * An API Gateway (payload v2) response: JSON body, the request id as `x-request-id`. Its own module,
 * free of Powertools, so the health check can answer with it and nothing else.
 */
export function toResponse(result: ApiResult, requestId: string): ApiResponse {
  const headers = { ...jsonHeaders, 'x-request-id': requestId, ...result.headers };
  if (result.body === undefined)
    return { statusCode: result.statusCode, headers: { 'x-request-id': requestId } };
  const body = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  return { statusCode: result.statusCode, headers, body };
}
