import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { InvalidationQueueStack } from '../../lib/invalidation-queue-stack.ts';
import { MEDIA_DISTRIBUTION, testApp, WWW_DISTRIBUTION } from '../cdk/cdk-test-app.ts';

/**
 * Security by default, read off the whole synthesized template (not one construct's view of it): least privilege,
 * encryption at rest, TLS only, and no way to send without the producer policy.
 */
type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Principal?: unknown; Condition?: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** S3 sources: the app's `buckets`, looked up by name. */
const BUCKETS = [
  { name: 'example-site', distributionId: WWW_DISTRIBUTION.id, keyPrefix: 'public/', indexDocument: 'index.html' },
  { name: 'media-site', distributionId: MEDIA_DISTRIBUTION.id },
];

const variants = [
  ['SQS-managed encryption', {}],
  ['KMS encryption', { encryption: 'KMS' }],
  ['S3 sources', { buckets: BUCKETS }],
  ['S3 sources and KMS encryption', { buckets: BUCKETS, encryption: 'KMS' }],
] as const;

function synthesize(props: Record<string, unknown>): Resources {
  const stack = new InvalidationQueueStack(testApp(), 'Invalidator', {
    distributions: [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION],
    ...props,
  } as never);
  return Template.fromStack(stack).toJSON().Resources as Resources;
}

function ofType(resources: Resources, type: string) {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** Every statement of every identity-based policy (inline policies and managed policies). */
function identityStatements(resources: Resources): Array<{ policy: string; statement: Statement }> {
  return [...ofType(resources, 'AWS::IAM::Policy'), ...ofType(resources, 'AWS::IAM::ManagedPolicy')].flatMap(([policy, resource]) =>
    (resource.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ policy, statement })),
  );
}

/** `arn:<partition>:cloudfront::<account>:distribution/<id>`, as CloudFormation joins it. */
const distributionArn = (id: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, `:distribution/${id}`]],
});
const actions = (statement: Statement) => [statement.Action].flat();
const resourcesOf = (statement: Statement) => [statement.Resource].flat();

describe.each(variants)('the deployed template, with %s', (_name, props) => {
  const resources = synthesize(props as Record<string, unknown>);

  test('no identity-based policy allows anything on "*" or with a wildcard action', () => {
    const statements = identityStatements(resources);
    expect(statements.length).toBeGreaterThan(0);
    for (const { policy, statement } of statements) {
      expect(resourcesOf(statement), `${policy} ${JSON.stringify(statement.Action)}`).not.toContain('*');
      for (const action of actions(statement)) expect(action, policy).not.toMatch(/^\*$|:\*$/);
    }
  });

  test('only the configured buckets may send, through the queue policy; S3 may use the key for those buckets only', () => {
    const buckets = 'buckets' in props ? props.buckets : [];
    const s3Statements = [...ofType(resources, 'AWS::SQS::QueuePolicy'), ...ofType(resources, 'AWS::KMS::Key')].flatMap(([, resource]) =>
      ((resource.Properties.PolicyDocument ?? resource.Properties.KeyPolicy).Statement as Statement[]).filter(
        (statement) => JSON.stringify(statement.Principal) === '{"Service":"s3.amazonaws.com"}',
      ),
    );
    const encrypted = 'encryption' in props;
    expect(s3Statements).toHaveLength(buckets.length * (encrypted ? 2 : 1));
    for (const statement of s3Statements) expect(JSON.stringify(statement.Condition)).toMatch(/"aws:SourceArn".*"aws:SourceAccount"/);
  });

  test('no role carries a managed policy of AWS (no admin, no power user, no broad service role)', () => {
    const roles = ofType(resources, 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);
    for (const [id, role] of roles) {
      const managed = JSON.stringify(role.Properties.ManagedPolicyArns ?? []);
      expect(managed, id).not.toMatch(/iam::aws:policy/);
    }
  });

  test('CloudFront actions are allowed only on the configured distributions', () => {
    const cloudfront = identityStatements(resources).filter(({ statement }) => actions(statement).some((action) => action.startsWith('cloudfront:')));
    expect(cloudfront).toHaveLength(1);
    const { statement } = cloudfront[0]!;
    // Create, and read what is in progress (List, Get) before sending: exactly these three.
    expect(actions(statement)).toStrictEqual(['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation', 'cloudfront:ListInvalidations']);
    const arns = resourcesOf(statement);
    expect(arns).toHaveLength(2);
    expect(arns).toEqual(expect.arrayContaining(['EDFDVBD6EXAMPLE', 'E2QWRUHEXAMPLE'].map(distributionArn)));
  });

  test('DynamoDB actions are allowed only on the send lease table: take a lease (PutItem) and give it back (DeleteItem)', () => {
    const tables = ofType(resources, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [tableId] = tables[0]!;
    const dynamodb = identityStatements(resources).filter(({ statement }) => actions(statement).some((action) => action.startsWith('dynamodb:')));
    expect(dynamodb.map(({ statement }) => ({ actions: [...actions(statement)].sort(), resources: resourcesOf(statement) }))).toStrictEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], resources: [{ 'Fn::GetAtt': [tableId, 'Arn'] }] },
    ]);
  });

  test('both queues are encrypted at rest', () => {
    const queues = ofType(resources, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    for (const [id, queue] of queues) {
      const encrypted = queue.Properties.SqsManagedSseEnabled === true || queue.Properties.KmsMasterKeyId !== undefined;
      expect(encrypted, id).toBe(true);
      if ((props as { encryption?: string }).encryption === 'KMS') expect(queue.Properties.KmsMasterKeyId, id).toBeDefined();
    }
  });

  test('every queue and topic policy denies requests without TLS, and allows no one anything', () => {
    const policies = [...ofType(resources, 'AWS::SQS::QueuePolicy'), ...ofType(resources, 'AWS::SNS::TopicPolicy')];
    const protectedTargets = policies.flatMap(([, policy]) => [policy.Properties.Queues ?? policy.Properties.Topics].flat());
    // The two queues and the alarm topic.
    expect(protectedTargets).toHaveLength(3);
    for (const [id, policy] of policies) {
      const statements = policy.Properties.PolicyDocument.Statement as Statement[];
      expect(statements.some((statement) => statement.Effect === 'Deny' && JSON.stringify(statement.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}'), id).toBe(true);
      // The topic lets CloudWatch alarms publish; no queue policy allows anything but S3 sending notifications of the
      // configured buckets, each for its bucket and account only: sending takes an identity grant.
      for (const statement of statements.filter((item) => item.Effect === 'Allow')) {
        if (policy.Type === 'AWS::SQS::QueuePolicy') {
          expect(statement.Principal, id).toStrictEqual({ Service: 's3.amazonaws.com' });
          expect(statement.Action, id).toBe('sqs:SendMessage');
          expect(Object.keys((statement.Condition as { ArnLike: object }).ArnLike), id).toStrictEqual(['aws:SourceArn']);
          expect(Object.keys((statement.Condition as { StringEquals: object }).StringEquals), id).toStrictEqual(['aws:SourceAccount']);
          continue;
        }
        expect(policy.Type, id).toBe('AWS::SNS::TopicPolicy');
        expect(statement.Principal, id).toStrictEqual({ Service: 'cloudwatch.amazonaws.com' });
      }
    }
  });

  test('only the producer policy, and the function itself, may send to the queue', () => {
    const [queueId] = ofType(resources, 'AWS::SQS::Queue').find(([id]) => !id.includes('DeadLetter'))!;
    const senders = identityStatements(resources).filter(
      ({ statement }) => actions(statement).includes('sqs:SendMessage') && JSON.stringify(statement.Resource).includes(`"${queueId}"`),
    );
    expect(senders.filter(({ policy }) => resources[policy]!.Type === 'AWS::IAM::ManagedPolicy')).toHaveLength(1);
    // The function's own role may send too: it puts what a partly invalidated message still owes back on the queue
    // as a smaller "remainder" message (README, Error codes). No other role may.
    const [, invalidator] = ofType(resources, 'AWS::Lambda::Function').find(([, fn]) => fn.Properties.Environment?.Variables?.INVALIDATOR_CONFIG)!;
    const functionRole = { Ref: invalidator.Properties.Role['Fn::GetAtt'][0] };
    for (const { policy } of senders.filter(({ policy }) => resources[policy]!.Type !== 'AWS::IAM::ManagedPolicy')) {
      expect(resources[policy]!.Type, policy).toBe('AWS::IAM::Policy');
      expect(resources[policy]!.Properties.Roles, policy).toStrictEqual([functionRole]);
    }
  });
});
