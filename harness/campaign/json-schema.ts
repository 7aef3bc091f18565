// The JSON Schema of a campaign file, generated from its zod schema and kept in the repo
// (schema/campaign.schema.json) for editors: YAML and JSON language servers validate and
// complete campaign files with it.
import { z } from 'zod';
import { projectPath } from '../project-root.js';
import { campaignFileSchema } from './campaign-file.js';

export const CAMPAIGN_SCHEMA_PATH = projectPath('schema/campaign.schema.json');

export function campaignJsonSchemaText(): string {
  const schema = z.toJSONSchema(campaignFileSchema, { io: 'input', unrepresentable: 'throw' });
  return JSON.stringify({ ...schema, $id: 'https://quic-lab.invalid/schema/campaign-v1.json', title: 'QUIC lab campaign file' }, null, 2) + '\n';
}
