import type { Deployment } from './iamRequests.ts';

/** A synthesized CloudFormation template, as far as the IAM tier reads it. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: { Effect: string; Action: string | string[]; Resource: string | string[] }[];
}

/**
 * One test deployment: the physical names the functions were given (their resource environment,
 * as recorded with each call), in a made-up region and account.
 */
export interface RecordedDeployment extends Deployment {
  env: Record<string, string>;
}

function functionResource(template: CfnTemplate, functionLogicalId: string) {
  const fn = template.Resources[functionLogicalId];
  if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${functionLogicalId} is not a Lambda function`);
  return fn;
}

/** The function's template environment (values still CloudFormation expressions). */
export function templateEnvironment(
  template: CfnTemplate,
  functionLogicalId: string,
): Record<string, unknown> {
  const props = functionResource(template, functionLogicalId).Properties ?? {};
  return ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
    {}) as Record<string, unknown>;
}

/**
 * Resolves CloudFormation expressions the way a deployment would: pseudo parameters to the
 * deployment's region and account; a resource the function finds through an environment variable
 * (`{"Ref": X}`) to the physical name recorded in that variable; any other resource to a made-up
 * physical name of its own (which no recorded call can match by accident).
 */
export class TemplateResolver {
  private readonly physical = new Map<string, string>();

  constructor(
    private readonly template: CfnTemplate,
    private readonly deployment: RecordedDeployment,
    functionLogicalId: string,
  ) {
    for (const [name, value] of Object.entries(templateEnvironment(template, functionLogicalId))) {
      const ref = (value as { Ref?: unknown } | null)?.Ref;
      const recorded = deployment.env[name];
      if (typeof ref === 'string' && recorded) this.physical.set(ref, recorded);
    }
  }

  private arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.deployment.region}:${this.deployment.account}:${resource}`;
  }

  private typeOf(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`the template has no resource ${logicalId}`);
    return resource.Type;
  }

  /** `Ref` of a resource: its physical id in this deployment. */
  ref(logicalId: string): string {
    const known = this.physical.get(logicalId);
    if (known) return known;
    const name = `${logicalId.toLowerCase()}-physical`;
    switch (this.typeOf(logicalId)) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.deployment.region}.amazonaws.com/${this.deployment.account}/${name}`;
      case 'AWS::SNS::Topic':
        return this.arn('sns', name);
      default:
        return name;
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const id = this.ref(logicalId);
    const type = this.typeOf(logicalId);
    if (attribute !== 'Arn') throw new Error(`unsupported attribute ${type}.${attribute}`);
    switch (type) {
      case 'AWS::DynamoDB::Table':
        return this.arn('dynamodb', `table/${id}`);
      case 'AWS::SQS::Queue':
        return this.arn('sqs', new URL(id).pathname.split('/').pop() ?? id);
      case 'AWS::Cognito::UserPool':
        return this.arn('cognito-idp', `userpool/${id}`);
      case 'AWS::Logs::LogGroup':
        return this.arn('logs', `log-group:${id}:*`);
      case 'AWS::KMS::Key':
        return this.arn('kms', `key/${id}`);
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${this.deployment.account}:role/${id}`;
      default:
        return this.arn(type.split('::')[1]?.toLowerCase() ?? 'unknown', id);
    }
  }

  resolve(value: unknown): unknown {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Ref') {
      const name = arg as string;
      const pseudo: Record<string, string> = {
        'AWS::Region': this.deployment.region,
        'AWS::AccountId': this.deployment.account,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
      };
      return pseudo[name] ?? this.ref(name);
    }
    if (entries.length === 1 && key === 'Fn::GetAtt') {
      const [id, attribute] = arg as [string, string];
      return this.getAtt(id, attribute);
    }
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((p) => String(this.resolve(p))).join(separator);
    }
    if (entries.length === 1 && key?.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${key}`);
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }
}

/**
 * Every identity policy of the function's role, resolved for one deployment: the role's inline
 * policies and the AWS::IAM::Policy resources attached to it. A managed policy cannot be
 * evaluated from the template, so it is refused.
 */
export function rolePolicies(
  template: CfnTemplate,
  functionLogicalId: string,
  deployment: RecordedDeployment,
): { name: string; policy: PolicyDocument }[] {
  const role = (
    functionResource(template, functionLogicalId).Properties?.Role as { 'Fn::GetAtt'?: [string, string] }
  )?.['Fn::GetAtt']?.[0];
  if (!role) throw new Error(`${functionLogicalId} has no role of the template`);
  const roleProps = template.Resources[role]?.Properties ?? {};
  if (roleProps.ManagedPolicyArns)
    throw new Error(`${role} has managed policies the IAM tier cannot evaluate`);
  const resolver = new TemplateResolver(template, deployment, functionLogicalId);
  const policies: { name: string; policy: PolicyDocument }[] = [];
  for (const inline of (roleProps.Policies as
    | { PolicyName: string; PolicyDocument: unknown }[]
    | undefined) ?? []) {
    policies.push({
      name: inline.PolicyName,
      policy: resolver.resolve(inline.PolicyDocument) as PolicyDocument,
    });
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles as { Ref?: string }[] | undefined) ?? [];
    if (!roles.some((r) => r.Ref === role)) continue;
    policies.push({
      name: id,
      policy: resolver.resolve(resource.Properties?.PolicyDocument) as PolicyDocument,
    });
  }
  return policies;
}

/**
 * A deployment names things differently from the template where the template holds a literal
 * (the secret prefix `latchkey/<stackName>`): map a recorded resource name to the template's.
 */
export function toTemplateNames(
  resource: string,
  template: CfnTemplate,
  functionLogicalId: string,
  recordedEnv: Record<string, string>,
): string {
  let mapped = resource;
  for (const [name, value] of Object.entries(templateEnvironment(template, functionLogicalId))) {
    const recorded = recordedEnv[name];
    if (typeof value === 'string' && recorded && recorded !== value)
      mapped = mapped.split(recorded).join(value);
  }
  return mapped;
}
