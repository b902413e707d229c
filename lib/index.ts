export * from './app-config.ts';
export * from './app.ts';
export * from './email-address.ts';
export * from './invalidation-queue.ts';
export * from './invalidation-queue-stack.ts';
export * from './service-limits.ts';
export * from './stack-outputs.ts';
