import {
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DeleteUserPoolClientCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';

export interface CreatedAppClient {
  clientId: string;
  clientSecret: string;
}

/**
 * Machine clients as Cognito app clients of the stack's user pool: client-credentials grant only,
 * a generated secret, the given resource-server scopes. Owns that one concern; the binding to a
 * tenant lives in the table (ClientStore).
 */
export class AppClientRegistry {
  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async create(name: string, scopes: string[]): Promise<CreatedAppClient> {
    const out = await this.cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: this.userPoolId,
        ClientName: name,
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: scopes,
        SupportedIdentityProviders: ['COGNITO'],
        AccessTokenValidity: 60,
        TokenValidityUnits: { AccessToken: 'minutes' },
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
      }),
    );
    const client = out.UserPoolClient;
    if (!client?.ClientId || !client.ClientSecret) throw new Error('Cognito returned no client id or secret');
    return { clientId: client.ClientId, clientSecret: client.ClientSecret };
  }

  /** Deletes the app client; true when it existed. */
  async remove(clientId: string): Promise<boolean> {
    try {
      await this.cognito.send(
        new DeleteUserPoolClientCommand({ UserPoolId: this.userPoolId, ClientId: clientId }),
      );
      return true;
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return false;
      throw err;
    }
  }
}
