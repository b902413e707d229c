import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, test } from 'vitest';
import { InvalidationQueueStack } from '../../lib/invalidation-queue-stack.ts';
import { resourceOf, testApp, WWW_DISTRIBUTION } from './cdk-test-app.ts';

describe('InvalidationQueueStack', () => {
  test('defaults', () => {
    // GIVEN
    const app = testApp();

    // WHEN
    const stack = new InvalidationQueueStack(app, 'Invalidator', { distributions: [WWW_DISTRIBUTION] });

    // THEN
    const template = Template.fromStack(stack);
    const queue = resourceOf(template, 'AWS::SQS::Queue', /^InvalidationQueue[0-9A-F]{8}$/);
    const dlq = resourceOf(template, 'AWS::SQS::Queue', 'InvalidationQueueDeadLetterQueue');
    const topic = resourceOf(template, 'AWS::SNS::Topic', 'InvalidationQueueAlarmTopic');
    const dashboard = resourceOf(template, 'AWS::CloudWatch::Dashboard', 'InvalidationQueueDashboard');
    const policy = resourceOf(template, 'AWS::IAM::ManagedPolicy', 'ProducerPolicy');
    const outputs = template.findOutputs('*');
    expect(Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.Value]))).toStrictEqual({
      QueueUrl: { Ref: queue.id },
      QueueArn: { 'Fn::GetAtt': [queue.id, 'Arn'] },
      DeadLetterQueueUrl: { Ref: dlq.id },
      DeadLetterQueueArn: { 'Fn::GetAtt': [dlq.id, 'Arn'] },
      AlarmTopicArn: { Ref: topic.id },
      DashboardName: { Ref: dashboard.id },
      ProducerPolicyArn: { Ref: policy.id },
      MetricsNamespace: 'CloudFrontInvalidationQueue',
      ServiceName: 'cloudfront-invalidation-queue',
    });
    expect(template.toJSON().Description).toMatch(/^CloudFront invalidation queue/);
  });

  test('the producer policy grants only sending to the queue', () => {
    // WHEN
    const stack = new InvalidationQueueStack(testApp(), 'Invalidator', { distributions: [WWW_DISTRIBUTION] });

    // THEN
    const template = Template.fromStack(stack);
    const queue = resourceOf(template, 'AWS::SQS::Queue', /^InvalidationQueue[0-9A-F]{8}$/);
    expect(resourceOf(template, 'AWS::IAM::ManagedPolicy', 'ProducerPolicy').properties.PolicyDocument.Statement).toStrictEqual([
      { Effect: 'Allow', Action: ['sqs:GetQueueUrl', 'sqs:SendMessage'], Resource: { 'Fn::GetAtt': [queue.id, 'Arn'] } },
    ]);
  });

  test('with KMS, the producer policy may also use the queue key', () => {
    // WHEN
    const stack = new InvalidationQueueStack(testApp(), 'Invalidator', {
      distributions: [WWW_DISTRIBUTION],
      encryption: sqs.QueueEncryption.KMS,
    });

    // THEN
    const template = Template.fromStack(stack);
    const queue = resourceOf(template, 'AWS::SQS::Queue', /^InvalidationQueue[0-9A-F]{8}$/);
    const key = resourceOf(template, 'AWS::KMS::Key', 'InvalidationQueueQueueKey');
    expect(resourceOf(template, 'AWS::IAM::ManagedPolicy', 'ProducerPolicy').properties.PolicyDocument.Statement).toStrictEqual([
      { Effect: 'Allow', Action: ['sqs:GetQueueUrl', 'sqs:SendMessage'], Resource: { 'Fn::GetAtt': [queue.id, 'Arn'] } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [key.id, 'Arn'] } },
    ]);
  });

  test('stack props are passed to the stack', () => {
    // WHEN
    const stack = new InvalidationQueueStack(testApp(), 'Invalidator', {
      distributions: [WWW_DISTRIBUTION],
      description: 'Blog invalidations',
      env: { account: '123456789012', region: 'eu-west-1' },
    });

    // THEN
    expect(Template.fromStack(stack).toJSON().Description).toBe('Blog invalidations');
    expect(stack.region).toBe('eu-west-1');
  });
});
