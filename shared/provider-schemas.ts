import { z } from 'zod';
import { PROVIDER_PRESETS } from './providers';

const baseUrl = z.string().refine((value) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

/** Body of `POST /api/providers`; `preset` fills the rest. */
export const providerInputSchema = z
  .object({
    preset: z.enum(PROVIDER_PRESETS.map((preset) => preset.preset) as [string, ...string[]]).optional(),
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'use letters, digits, _ . - (at most 40)').optional(),
    baseUrl: baseUrl.optional(),
    apiKey: z.string().max(4096).optional(),
    api: z.enum(['chat', 'responses']).optional(),
    models: z.array(z.string().min(1)).optional(),
    aliases: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** Body of `PATCH /api/providers/{id}`. */
export const providerPatchSchema = providerInputSchema.omit({ preset: true }).strict();

/** A provider as checked by providerInputSchema. */
export type ProviderInput = z.output<typeof providerInputSchema>;
/** A provider change as checked by providerPatchSchema. */
export type ProviderPatch = z.output<typeof providerPatchSchema>;
