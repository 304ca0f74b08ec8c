import { apiGateway } from '#shared/adapters/apiGatewayClient.ts';
import { AppClientRegistry } from '#shared/adapters/appClientRegistry.ts';
import { dynamoDb } from '#shared/adapters/awsClients.ts';
import { ClientStore } from '#shared/adapters/clientStore.ts';
import { cognito } from '#shared/adapters/cognitoClient.ts';
import { JwtAudience } from '#shared/adapters/jwtAudience.ts';
import { TableLock } from '#shared/adapters/tableLock.ts';
import { config, optionalEnv } from '#shared/config.ts';
import { clientInputSchema, clientView } from '#shared/domain/machineClient.ts';
import { type ApiRequest, type ApiResult, apiHandler, clientBindings } from '#shared/http/apiHandler.ts';
import { parseWith } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { clientSettingNames, envNames } from '#shared/resources.ts';
import { ClientService } from '#shared/services/clientService.ts';
import { clientPath } from './contract.ts';

/** Machine clients (SPEC §2): a tenant's admin creates, lists and deletes the services' credentials. */
let built: ClientService | undefined;
function clients(): ClientService {
  const userPoolId = optionalEnv(envNames.userPoolId, '');
  const apiId = optionalEnv(envNames.httpApiId, '');
  const authorizerId = optionalEnv(envNames.jwtAuthorizerId, '');
  built ??= new ClientService({
    store: new ClientStore(dynamoDb, config.tableName),
    registry: userPoolId ? new AppClientRegistry(cognito, userPoolId) : undefined,
    audience:
      apiId && authorizerId
        ? new JwtAudience(
            apiGateway,
            apiId,
            authorizerId,
            new TableLock(dynamoDb, config.tableName, `AUDIENCE#${authorizerId}`),
          )
        : undefined,
    forget: (clientId) => clientBindings().forget(clientId),
    onOrphan: (clientId, error) =>
      logger.error('Cognito app client or audience entry left behind; remove it by hand', {
        clientId,
        error: error as Error,
      }),
  });
  return built;
}

const tokenUrl = () => optionalEnv(clientSettingNames.tokenUrl, '') || undefined;
const clientId = (req: ApiRequest) => parseWith(clientPath, req.path).clientId;

async function createClient(req: ApiRequest): Promise<ApiResult> {
  const input = parseWith(clientInputSchema, req.body);
  const { binding, clientSecret } = await clients().create(req.principal, input);
  logger.info('Machine client created', {
    clientId: binding.clientId,
    roles: binding.roles,
    origin: binding.origin,
  });
  return {
    statusCode: 201,
    body: { ...clientView(binding, tokenUrl()), ...(clientSecret ? { client_secret: clientSecret } : {}) },
    headers: { location: `/v1/clients/${binding.clientId}`, 'cache-control': 'no-store' },
  };
}

async function listClients(req: ApiRequest): Promise<ApiResult> {
  const list = await clients().list(req.principal);
  return { statusCode: 200, body: { clients: list.map((b) => clientView(b, tokenUrl())) } };
}

async function getClient(req: ApiRequest): Promise<ApiResult> {
  return { statusCode: 200, body: clientView(await clients().get(req.principal, clientId(req)), tokenUrl()) };
}

async function deleteClient(req: ApiRequest): Promise<ApiResult> {
  const binding = await clients().remove(req.principal, clientId(req));
  logger.info('Machine client deleted', { clientId: binding.clientId });
  return { statusCode: 204 };
}

export const handler = apiHandler({
  'POST /v1/clients': createClient,
  'GET /v1/clients': listClients,
  'GET /v1/clients/{clientId}': getClient,
  'DELETE /v1/clients/{clientId}': deleteClient,
});
