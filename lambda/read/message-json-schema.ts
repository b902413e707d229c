import * as z from 'zod/mini';
import { invalidationMessageSchema } from './message.ts';

/** The JSON Schema of the message, generated from `invalidationMessageSchema`, for producers in other languages. */
export function invalidationMessageJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(invalidationMessageSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  // The refinement has no JSON Schema form of its own: say it with anyOf.
  return {
    $id: 'urn:cloudfront-invalidation-queue:invalidation-message:v1',
    title: 'InvalidationMessage',
    ...schema,
    anyOf: [{ required: ['paths'] }, { required: ['urls'] }],
  };
}

/** Write the JSON Schema to `schema/invalidation-message.schema.json` (`npm run schema`). */
if (import.meta.main) {
  const { writeFileSync } = await import('node:fs');
  const file = new URL('../../schema/invalidation-message.schema.json', import.meta.url);
  writeFileSync(file, `${JSON.stringify(invalidationMessageJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
}
