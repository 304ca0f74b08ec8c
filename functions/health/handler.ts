import { apiHandler } from '#shared/http/apiHandler.ts';

/** GET /health: 200 without a token, so load balancers and `npm start` users can probe it. */
export const handler = apiHandler(
  {
    'GET /health': async () => ({ statusCode: 200, body: { status: 'ok', service: 'latchkey' } }),
  },
  { public: true },
);
