// The JSON Schema of the result document, generated from the zod schema and kept in the repo
// (schema/result.schema.json) for people who validate results with other tools.
import { z } from 'zod';
import { SCHEMA_VERSION, resultSchema } from './schema.js';
import { projectPath } from '../project-root.js';

export const JSON_SCHEMA_PATH = projectPath('schema/result.schema.json');

export function resultJsonSchemaText(): string {
  const schema = z.toJSONSchema(resultSchema, { io: 'output', unrepresentable: 'throw' });
  return (
    JSON.stringify(
      { ...schema, $id: `https://quic-lab.invalid/schema/result-v${SCHEMA_VERSION}.json`, title: `QUIC lab result (schemaVersion ${SCHEMA_VERSION})` },
      null,
      2,
    ) + '\n'
  );
}
