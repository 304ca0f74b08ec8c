import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
import { keys } from './tableKeys.ts';

/** The lock was held by someone else for the whole wait. */
export class LockBusy extends Error {
  constructor(readonly lockName: string) {
    super(`lock ${lockName} is busy`);
  }
}

export interface TableLockOptions {
  /** How long a holder may keep the lock before others may take it (a crashed holder blocks no longer). */
  leaseMs?: number;
  /** How long to wait for the lock before giving up with LockBusy. */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A mutual-exclusion lease in the table: one conditional item `LOCK#<name>` / `LOCK`, taken with a
 * conditional put (absent, or its lease expired) and released with a delete conditional on the
 * owner. Serialises read-modify-write of state that has no conditional write of its own.
 */
export class TableLock {
  private readonly leaseMs: number;
  private readonly waitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly name: string,
    options: TableLockOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 10_000;
    this.waitMs = options.waitMs ?? 15_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    const key = keys.lock(this.name);
    const giveUpAt = Date.now() + this.waitMs;
    for (;;) {
      const now = Date.now();
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            // expiresAt (the table's TTL, seconds): a lock item left by a crashed holder goes away.
            Item: {
              ...key,
              entity: 'lock',
              owner,
              leaseUntil: now + this.leaseMs,
              expiresAt: Math.ceil((now + this.leaseMs) / 1000) + 3600,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        break;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        if (now >= giveUpAt) throw new LockBusy(this.name);
        await this.sleep(25 + Math.floor(Math.random() * 75));
      }
    }
    try {
      return await work();
    } finally {
      await this.db
        .send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: key,
            ConditionExpression: '#o = :o',
            ExpressionAttributeNames: { '#o': 'owner' },
            ExpressionAttributeValues: { ':o': owner },
          }),
        )
        .catch((err: unknown) => {
          // Our lease expired and someone else holds the lock now: theirs to release.
          if (!isConditionFailure(err)) throw err;
        });
    }
  }
}
