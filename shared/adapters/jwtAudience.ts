import {
  type ApiGatewayV2Client,
  GetAuthorizerCommand,
  UpdateAuthorizerCommand,
} from '@aws-sdk/client-apigatewayv2';

/**
 * API Gateway's quota "Audiences per authorizer" for HTTP APIs: 50, and it cannot be increased
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
 */
export const AUDIENCE_LIMIT = 50;

/** Adding one more id would exceed API Gateway's audience limit. */
export class AudienceFull extends Error {
  constructor(readonly limit: number) {
    super(`the JWT authorizer's audience already lists ${limit} ids`);
  }
}

/** Runs a read-modify-write with no other one in between (shared/adapters/tableLock.ts). */
export interface Serialiser {
  run<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The HTTP API's JWT authorizer audience. A Cognito client-credentials access token has no `aud`,
 * so API Gateway matches its `client_id` against this list: a machine client created at run time
 * is added, and removed when deleted. API Gateway has no conditional update, so each
 * read-modify-write runs under `lock` (a lease item in the table): concurrent creations, in one
 * instance or many, each see the others' entries. After the PATCH the answer is checked to hold
 * exactly the list written.
 */
export class JwtAudience {
  constructor(
    private readonly client: ApiGatewayV2Client,
    private readonly apiId: string,
    private readonly authorizerId: string,
    private readonly lock: Serialiser,
  ) {}

  private change(edit: (audience: string[]) => string[]): Promise<void> {
    return this.lock.run(async () => {
      const current = await this.client.send(
        new GetAuthorizerCommand({ ApiId: this.apiId, AuthorizerId: this.authorizerId }),
      );
      const config = current.JwtConfiguration ?? {};
      const before = config.Audience ?? [];
      const after = edit(before);
      if (after.length === before.length && after.every((a, i) => a === before[i])) return;
      if (after.length > AUDIENCE_LIMIT) throw new AudienceFull(AUDIENCE_LIMIT);
      const updated = await this.client.send(
        new UpdateAuthorizerCommand({
          ApiId: this.apiId,
          AuthorizerId: this.authorizerId,
          JwtConfiguration: { ...config, Audience: after },
        }),
      );
      const written = updated.JwtConfiguration?.Audience ?? [];
      if (written.length !== after.length || after.some((a) => !written.includes(a)))
        throw new Error(`the authorizer's audience was not updated as written: ${written.join(', ')}`);
    });
  }

  add(clientId: string): Promise<void> {
    return this.change((audience) => (audience.includes(clientId) ? audience : [...audience, clientId]));
  }

  remove(clientId: string): Promise<void> {
    return this.change((audience) => audience.filter((a) => a !== clientId));
  }
}
