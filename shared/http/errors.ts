/**
 * One error type per kind of failure a caller can act on. The API error middleware maps each to
 * its status code; anything else becomes a 500 with a correlation id.
 */
export interface FieldError {
  field: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends HttpError {
  constructor(
    readonly errors: FieldError[],
    message = 'Validation failed',
  ) {
    super(422, message, { errors });
  }
}

export class BadRequest extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

export class Unauthorized extends HttpError {
  constructor(message = 'Missing or invalid bearer token') {
    super(401, message);
  }
}

export class Forbidden extends HttpError {
  constructor(message: string) {
    super(403, message);
  }
}

export class NotFound extends HttpError {
  constructor(what: string) {
    super(404, `${what} not found`);
  }
}

export class Conflict extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

export class PayloadTooLarge extends HttpError {
  constructor(limitBytes: number) {
    super(413, `Request body is larger than ${limitBytes} bytes`);
  }
}

/** A downstream target (webhook receiver, interlock device) answered with an error status. */
export class TargetError extends HttpError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(502, message, details);
  }
}

/** A downstream target did not answer in time. */
export class TargetTimeout extends HttpError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(504, message, details);
  }
}
