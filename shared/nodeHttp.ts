/**
 * Node's `http` and `https` modules, read with `process.getBuiltinModule` rather than
 * `import ... from 'node:http'`. An ES import of `node:http` makes Node build the module's ES
 * facade, which reads every export once — including the lazy `WebSocket`, `CloseEvent` and
 * `MessageEvent` getters that load Node's internal undici: about 20 ms of CPU at the cold start of
 * every function that imported it (issue 13, `npm run bench -- bundles`). Read this way, the modules
 * cost nothing more than the AWS SDK, which loads both with `require`, already pays.
 *
 * biome.json refuses ES imports of `node:http` and `node:https` in shared/ and functions/.
 */
export const http = process.getBuiltinModule('node:http');
export const https = process.getBuiltinModule('node:https');

/** `404` → `Not Found`: the reason phrase of an HTTP status code. */
export const STATUS_CODES: Readonly<Record<number, string | undefined>> = http.STATUS_CODES;

export type IncomingMessage = InstanceType<typeof http.IncomingMessage>;
export type Agent = InstanceType<typeof http.Agent>;
export type ClientRequest = InstanceType<typeof http.ClientRequest>;
