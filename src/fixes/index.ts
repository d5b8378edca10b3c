/**
 * Fix generation and validation as a library: `generateFix` runs the deterministic generator the clicked proposal
 * named (else the first for the incident's catalogue signature); `validateFix` runs every check before a PR may be
 * opened; `unifiedDiff` shows the fix when there is no GitHub token.
 */
import { generators } from './generators/index.ts';
import type { FixRequest, GeneratedFix } from './types.ts';
import { YamlEditError } from './yaml-edit.ts';

export { changedLines, unifiedDiff } from './diff.ts';
export type * from './types.ts';
export { type ValidateOptions, validateFix } from './validate.ts';
export { generators };

/** The generator for the request's signature, run; `none` says why nothing fits (never a guess). */
export async function generateFix(request: FixRequest): Promise<GeneratedFix | { none: string }> {
  const signature = request.signature;
  if (!signature)
    return { none: 'no catalogue signature: only the LLM path proposes fixes for this incident' };
  // The generator the clicked proposal named, else the first serving the signature.
  const serving = generators.filter((g) => g.signatures.includes(signature));
  const generator = request.generator ? serving.find((g) => g.name === request.generator) : serving[0];
  if (!generator)
    return {
      none: request.generator
        ? `the fix generator ${request.generator} does not serve signature ${signature}`
        : `no fix generator for signature ${signature}`,
    };
  try {
    return await generator.generate(request);
  } catch (error) {
    if (error instanceof YamlEditError) return { none: `${generator.name}: ${error.message}` };
    throw error;
  }
}
