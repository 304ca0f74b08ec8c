import { AuditStore } from '#shared/adapters/auditStore.ts';
import { dynamoDb, secretsManager } from '#shared/adapters/awsClients.ts';
import { BookingStore } from '#shared/adapters/bookingStore.ts';
import { HookStore } from '#shared/adapters/hookStore.ts';
import { InterlockClient } from '#shared/adapters/interlockClient.ts';
import { createOutboundHttp } from '#shared/adapters/outboundHttp.ts';
import { SecretStore } from '#shared/adapters/secretStore.ts';
import { ServiceStore } from '#shared/adapters/serviceStore.ts';
import { config } from '#shared/config.ts';
import { logger } from '#shared/observability/powertools.ts';
import { InterlockService } from '#shared/services/interlockService.ts';

function build() {
  const table = config.tableName;
  const services = new ServiceStore(dynamoDb, table);
  const bookings = new BookingStore(dynamoDb, table);
  const audit = new AuditStore(dynamoDb, table);
  let interlocks: InterlockService | undefined;
  return {
    services,
    bookings,
    audit,
    /** Built on first use: the Services function never needs the HTTP client or Secrets Manager. */
    get interlocks(): InterlockService {
      interlocks ??= new InterlockService({
        services,
        bookings,
        audit,
        hooks: new HookStore(dynamoDb, table),
        client: new InterlockClient(
          createOutboundHttp({ allowedPrivateRanges: config.allowedPrivateRanges }),
          new SecretStore(secretsManager, config.secretPrefix),
        ),
        onAuditFailure: (error, entry) =>
          logger.error('Interlock audit record lost', {
            error: error as Error,
            serviceId: entry.serviceId,
            action: entry.action,
            result: entry.result,
          }),
      });
      return interlocks;
    },
  };
}

let built: ReturnType<typeof build> | undefined;

/**
 * The stores and the interlock service of one Lambda instance (Services or Interlock), built on
 * first use from the validated config and the module-level SDK clients.
 */
export function interlockWiring() {
  built ??= build();
  return built;
}
