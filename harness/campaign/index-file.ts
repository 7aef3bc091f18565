// index.json of a campaign directory: the plan, its seed and each run's outcome, rewritten
// atomically after every change, so an interrupted or killed campaign says which runs are done
// and `--resume` continues from it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../files/atomic-write.js';

export const INDEX_FILE = 'index.json';
export const INDEX_VERSION = 1;

const runSchema = z
  .object({
    index: z.number().int().positive(),
    key: z.string().min(1),
    scenarioIndex: z.number().int().nonnegative(),
    scenario: z.string().min(1),
    linkIndex: z.number().int().nonnegative(),
    link: z.string().min(1),
    repetition: z.number().int().positive(),
    status: z.enum(['pending', 'running', 'completed', 'failed', 'interrupted']),
    /** The run's exit code (the scenario command's: 0 ok, 1 failed, 3 no sample succeeded, 130 interrupted). */
    exitCode: z.number().int().optional(),
    runId: z.string().optional(),
    /** The result JSON, relative to the campaign directory. */
    resultPath: z.string().optional(),
    reportPaths: z.array(z.string()).optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    /** Why a run failed without a result (a refused option, a crash of the harness). */
    error: z.string().optional(),
  })
  .strict();

export const campaignIndexSchema = z
  .object({
    version: z.literal(INDEX_VERSION),
    campaign: z.string().min(1),
    campaignFile: z.string().min(1),
    seed: z.number().int().nonnegative(),
    order: z.enum(['shuffled', 'listed']),
    createdAt: z.string(),
    updatedAt: z.string(),
    runs: z.array(runSchema),
  })
  .strict();

export type CampaignIndex = z.infer<typeof campaignIndexSchema>;
export type IndexRun = z.infer<typeof runSchema>;

export class CampaignIndexError extends Error {}

/** The directory's index, or null when it has none. */
export async function readIndex(dir: string): Promise<CampaignIndex | null> {
  const path = join(dir, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CampaignIndexError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CampaignIndexError(`${path}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = campaignIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CampaignIndexError(`${path}: not a campaign index (${issue ? `${issue.path.join('.') || 'top'}: ${issue.message}` : 'invalid'})`);
  }
  return parsed.data;
}

export async function writeIndex(dir: string, index: CampaignIndex): Promise<void> {
  await writeFileAtomic(join(dir, INDEX_FILE), JSON.stringify({ ...index, updatedAt: new Date().toISOString() }, null, 2) + '\n');
}
