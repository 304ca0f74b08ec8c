import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from './awsClients.ts';
import { decodeCursor, encodeCursor, InvalidCursor } from './tableKeys.ts';

/** Every item a keyed query returns, following `LastEvaluatedKey` through all pages. */
export async function queryAll(
  db: DocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * One page of a keyed query, resumed from an opaque cursor this API handed out. A cursor whose
 * partition is not this query's (forged, or from another tenant) is refused.
 */
export async function queryPage(
  db: DocumentClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>,
  page: { limit: number; cursor?: string | undefined },
  partition: { key: 'pk' | 'gsi1pk'; value: string },
): Promise<{ items: Record<string, unknown>[]; nextCursor?: string }> {
  const start = decodeCursor(page.cursor);
  if (start && start[partition.key] !== partition.value) throw new InvalidCursor();
  const out = await db.send(new QueryCommand({ ...input, Limit: page.limit, ExclusiveStartKey: start }));
  const nextCursor = encodeCursor(out.LastEvaluatedKey);
  return { items: out.Items ?? [], ...(nextCursor ? { nextCursor } : {}) };
}
