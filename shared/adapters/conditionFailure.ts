/**
 * Whether a DynamoDB write was refused by its ConditionExpression (or a transaction item's). Named
 * rather than `instanceof`, so it holds whichever copy of the SDK threw it (the runtime's in Lambda).
 */
export function isConditionFailure(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'ConditionalCheckFailedException';
}
