import {
  type ApiGatewayV2Client,
  GetAuthorizerCommand,
  UpdateAuthorizerCommand,
} from '@aws-sdk/client-apigatewayv2';

/**
 * The HTTP API's JWT authorizer audience. A Cognito client-credentials access token has no `aud`,
 * so API Gateway matches its `client_id` against this list: a machine client created at run time
 * is added, and removed when deleted. Read-modify-write: two admins creating clients at the same
 * instant may race; the loser's id is missing and that client gets 401 from API Gateway until the
 * next change re-adds it (README, Machine clients).
 */
export class JwtAudience {
  constructor(
    private readonly client: ApiGatewayV2Client,
    private readonly apiId: string,
    private readonly authorizerId: string,
  ) {}

  private async change(edit: (audience: string[]) => string[]): Promise<void> {
    const current = await this.client.send(
      new GetAuthorizerCommand({ ApiId: this.apiId, AuthorizerId: this.authorizerId }),
    );
    const config = current.JwtConfiguration ?? {};
    const before = config.Audience ?? [];
    const after = edit(before);
    if (after.length === before.length && after.every((a, i) => a === before[i])) return;
    await this.client.send(
      new UpdateAuthorizerCommand({
        ApiId: this.apiId,
        AuthorizerId: this.authorizerId,
        JwtConfiguration: { ...config, Audience: after },
      }),
    );
  }

  add(clientId: string): Promise<void> {
    return this.change((audience) => (audience.includes(clientId) ? audience : [...audience, clientId]));
  }

  remove(clientId: string): Promise<void> {
    return this.change((audience) => audience.filter((a) => a !== clientId));
  }
}
