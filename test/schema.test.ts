import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { invalidationMessageJsonSchema } from '../lambda/read/message-json-schema.ts';
import { invalidationMessageSchema } from '../lambda/read/message.ts';

/**
 * The committed JSON Schema is generated from the zod schema and must not drift from it. To regenerate:
 * `npm run schema`.
 */
const SCHEMA_FILE = new URL('../schema/invalidation-message.schema.json', import.meta.url);

type JsonSchema = Record<string, unknown>;

/**
 * Just enough of JSON Schema 2020-12 to check samples against the exported schema. An unknown keyword fails
 * loudly, so a new zod feature cannot slip into the export without this check learning it.
 */
function jsonSchemaAccepts(schema: JsonSchema, value: unknown): boolean {
  for (const [keyword, argument] of Object.entries(schema)) {
    switch (keyword) {
      case '$id':
      case '$schema':
      case 'title':
      case 'description':
        break;
      case 'type':
        if (!hasType(value, argument as string)) return false;
        break;
      case 'properties':
        if (isObject(value)) {
          for (const [name, subschema] of Object.entries(argument as Record<string, JsonSchema>)) {
            if (Object.hasOwn(value, name) && !jsonSchemaAccepts(subschema, value[name])) return false;
          }
        }
        break;
      case 'additionalProperties': {
        if (argument !== false) throw new Error(`the test's JSON Schema check expects "additionalProperties": false`);
        const known = Object.keys((schema.properties ?? {}) as object);
        if (isObject(value) && Object.keys(value).some((name) => !known.includes(name))) return false;
        break;
      }
      case 'required':
        if (isObject(value) && !(argument as string[]).every((name) => Object.hasOwn(value, name))) return false;
        break;
      case 'anyOf':
        if (!(argument as JsonSchema[]).some((subschema) => jsonSchemaAccepts(subschema, value))) return false;
        break;
      case 'items':
        if (Array.isArray(value) && !value.every((item) => jsonSchemaAccepts(argument as JsonSchema, item))) return false;
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (argument as number)) return false;
        break;
      case 'maxLength':
        // JSON Schema counts code points.
        if (typeof value === 'string' && [...value].length > (argument as number)) return false;
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(argument as string, 'u').test(value)) return false;
        break;
      default:
        throw new Error(`the test's JSON Schema check does not know the keyword "${keyword}"`);
    }
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'object') return isObject(value);
  if (type === 'array') return Array.isArray(value);
  if (type === 'string') return typeof value === 'string';
  throw new Error(`the test's JSON Schema check does not know the type "${type}"`);
}

describe('schema/invalidation-message.schema.json', () => {
  it('is the schema generated from lambda/read/message.ts, pretty-printed', () => {
    // Prepare
    const committed = readFileSync(SCHEMA_FILE, 'utf8');

    // Act
    const generated = `${JSON.stringify(invalidationMessageJsonSchema(), null, 2)}\n`;

    // Assess: on failure, regenerate with the command at the top of this file
    expect(committed).toBe(generated);
  });

  it('is a 2020-12 schema with an id and a title', () => {
    // Act
    const schema = invalidationMessageJsonSchema();

    // Assess
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:cloudfront-invalidation-queue:invalidation-message:v1',
      title: 'InvalidationMessage',
      type: 'object',
    });
  });

  it('rejects unknown fields and needs "paths" or "urls"', () => {
    // Act
    const schema = invalidationMessageJsonSchema();

    // Assess
    expect(schema.additionalProperties).toBe(false);
    expect(schema.anyOf).toStrictEqual([{ required: ['paths'] }, { required: ['urls'] }]);
    expect(schema.required).toBeUndefined();
  });

  it('describes exactly the fields of the zod schema, each documented', () => {
    // Act
    const properties = invalidationMessageJsonSchema().properties as Record<string, JsonSchema>;

    // Assess
    expect(Object.keys(properties).sort()).toStrictEqual(Object.keys(invalidationMessageSchema.shape).sort());
    for (const [name, property] of Object.entries(properties)) {
      expect(property.description, name).toEqual(expect.any(String));
    }
  });

  describe('agrees with the zod schema', () => {
    describe.each([
      ['paths only', { paths: ['/a'] }, true],
      ['urls only', { urls: ['https://www.example.com/a'] }, true],
      ['every field', { distributionId: 'EDFDVBD6EXAMPLE', paths: ['/a'], urls: ['https://www.example.com/'], source: 'cms', reason: 'published' }, true],
      ['a 256-character source', { paths: ['/a'], source: 's'.repeat(256) }, true],
      ['a 1024-character reason', { paths: ['/a'], reason: 'r'.repeat(1024) }, true],
      ['a 64-character distribution id', { distributionId: 'E'.repeat(64), paths: ['/a'] }, true],
      ['an empty object', {}, false],
      ['only a source', { source: 'cms' }, false],
      ['the typo "path"', { path: ['/a'] }, false],
      ['the typo "path" beside urls', { path: ['/a'], urls: ['https://www.example.com/'] }, false],
      ['an unknown field', { paths: ['/a'], priority: 1 }, false],
      ['"__proto__" as a field', JSON.parse('{"__proto__":{},"paths":["/a"]}'), false],
      ['"constructor" as a field', { constructor: 'x', paths: ['/a'] }, false],
      ['empty paths', { paths: [] }, false],
      ['empty urls', { urls: [] }, false],
      ['empty paths beside urls', { paths: [], urls: ['https://www.example.com/'] }, false],
      ['paths as a string', { paths: '/a' }, false],
      ['a number among paths', { paths: ['/a', 1] }, false],
      ['null among urls', { urls: [null] }, false],
      ['a lowercase distribution id', { distributionId: 'edfdvbd6example', paths: ['/a'] }, false],
      ['an empty distribution id', { distributionId: '', paths: ['/a'] }, false],
      ['a 65-character distribution id', { distributionId: 'E'.repeat(65), paths: ['/a'] }, false],
      ['a 257-character source', { paths: ['/a'], source: 's'.repeat(257) }, false],
      ['a 1025-character reason', { paths: ['/a'], reason: 'r'.repeat(1025) }, false],
      ['a numeric source', { paths: ['/a'], source: 1 }, false],
      ['null', null, false],
      ['an array', [{ paths: ['/a'] }], false],
      ['a string', '{"paths":["/a"]}', false],
    ])('%s', (_name, sample, valid) => {
      it(valid ? 'is valid in both' : 'is invalid in both', () => {
        // Prepare
        const schema = invalidationMessageJsonSchema();

        // Act
        const byZod = invalidationMessageSchema.safeParse(sample).success;
        const byJsonSchema = jsonSchemaAccepts(schema, sample);

        // Assess
        expect({ byZod, byJsonSchema }).toStrictEqual({ byZod: valid, byJsonSchema: valid });
      });
    });
  });
});
