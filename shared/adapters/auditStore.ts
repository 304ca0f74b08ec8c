import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from './awsClients.ts';
import { queryPage } from './queryAll.ts';

/** Interlock audit records are kept this long, then DynamoDB's TTL removes them. */
export const AUDIT_RETENTION_DAYS = 400;

export type AuditAction = 'lock' | 'unlock' | 'status';
/** ok: every target answered well; denied: the caller may not act now; error: a target (or the setup) failed. */
export type AuditResult = 'ok' | 'denied' | 'error';

export interface AuditTarget {
  hookId: string;
  hookName: string;
  ok: boolean;
  /** The target's HTTP status, when it answered. */
  httpStatus?: number;
  /** What went wrong: `HTTP 503 Service Unavailable`, `no response within 5000 ms`, ... */
  error?: string;
  latencyMs: number;
}

/** One interlock call: who, on what, what happened, how long it took. Never a credential. */
export interface AuditEntry {
  at: string;
  serviceId: string;
  who: string;
  roles: string[];
  /** The action; `other` for an `interlock.*` type that names none of the three (see `refused`). */
  action: AuditAction | 'other';
  result: AuditResult;
  /**
   * Set when the attempt came through another route than the interlock routes and was refused:
   * the route (`POST /v1/events`, `POST /v1/hooks/{hookId}/test`) and what was asked.
   */
  refused?: { route: string; eventType?: string; hookId?: string };
  /** The status Latchkey answered the caller. */
  httpStatus: number;
  /** Why it was denied or failed. */
  message?: string;
  /** What a status call read. */
  reported?: 'locked' | 'unlocked';
  targets: AuditTarget[];
  latencyMs: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor?: string;
}

const auditPartition = (tenant: string, serviceId: string) => `T#${tenant}#AUDIT#${serviceId}`;

/** The interlock audit trail per service: `T#<tenant>#AUDIT#<service>` / `<iso time>#<random>`, with a TTL. */
export class AuditStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async record(tenant: string, entry: AuditEntry): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: auditPartition(tenant, entry.serviceId),
          sk: `${entry.at}#${randomBytes(6).toString('hex')}`,
          entity: 'audit',
          entry,
          expiresAt: Math.floor(Date.parse(entry.at) / 1000) + AUDIT_RETENTION_DAYS * 86400,
        },
      }),
    );
  }

  /** A page of a service's audit trail, newest first. */
  async list(
    tenant: string,
    serviceId: string,
    options: { limit: number; cursor?: string },
  ): Promise<AuditPage> {
    const pk = auditPartition(tenant, serviceId);
    const { items, nextCursor } = await queryPage(
      this.db,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': pk },
        ScanIndexForward: false,
      },
      options,
      { key: 'pk', value: pk },
    );
    return { entries: items.map((item) => item.entry as AuditEntry), ...(nextCursor ? { nextCursor } : {}) };
  }
}
