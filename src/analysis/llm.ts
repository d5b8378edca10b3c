/**
 * The LLM path: the Anthropic Messages API with structured output through a forced tool call whose input
 * schema is generated from our zod schema. The answer is validated; when it is invalid the model gets the
 * validation errors back once and may repair it. Retries of 429/529/5xx and timeouts are the SDK's
 * (src/clients/anthropic.ts); anything that still fails throws an `LlmError`, and the caller falls back to
 * the offline analyzer.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { AnalysisInput } from './input.ts';
import { analyzePrompt, explainPrompt, type RenderedPrompt, whyPrompt } from './prompts.ts';
import {
  type Analysis,
  analysisSchema,
  type Explanation,
  explanationSchema,
  modelProposedFixSchema,
  rankRootCauses,
} from './schema.ts';

/** What the model fills in; the rest of an Analysis (analyzer, model, tokens, history) is ours. */
export const llmAnalysisSchema = analysisSchema
  .pick({
    summary: true,
    rootCauses: true,
    nextSteps: true,
    proposedActions: true,
  })
  // The model's fixes name no generator: only a generator's own proposal may (a click runs that generator).
  .extend({ proposedFixes: z.array(modelProposedFixSchema).max(3) });

export const llmExplanationSchema = explanationSchema.pick({
  summary: true,
  likelyCauses: true,
  nextSteps: true,
});

export interface LlmUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Calls made (2 when the answer needed a repair). */
  calls: number;
}

export class LlmError extends Error {
  constructor(
    message: string,
    readonly reason: 'api' | 'invalid_output' | 'refused',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmError';
  }
}

export interface LlmDeps {
  client: Anthropic;
  model: string;
  maxTokens?: number;
}

/** The JSON schema of a tool's input: zod's output without the `$schema` key the API does not need. */
export function toolInputSchema(schema: z.ZodType): Anthropic.Tool.InputSchema {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return jsonSchema as Anthropic.Tool.InputSchema;
}

const emptyUsage = (): LlmUsage => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, calls: 0 });

function addUsage(total: LlmUsage, usage: Anthropic.Usage): void {
  total.input += usage.input_tokens;
  total.output += usage.output_tokens;
  total.cacheRead += usage.cache_read_input_tokens ?? 0;
  total.cacheWrite += usage.cache_creation_input_tokens ?? 0;
  total.calls += 1;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 20)
    .map((issue) => `- ${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('\n');
}

/**
 * One structured answer: forces `toolName`, validates its input with `schema` (then with `check`, when given:
 * it returns what is wrong in words, or null), and on invalid input sends the problems back as the tool's
 * result for one repair. `maxTokens` and `timeoutMs` override the deps' for a long answer (a fix's files).
 */
export async function structuredCall<T>(
  deps: LlmDeps,
  prompt: RenderedPrompt,
  tool: {
    name: string;
    description: string;
    schema: z.ZodType<T>;
    check?: (value: T) => Promise<string | null> | string | null;
  },
  options: { maxTokens?: number; timeoutMs?: number } = {},
): Promise<{ value: T; usage: LlmUsage }> {
  const usage = emptyUsage();
  const tools: Anthropic.Tool[] = [
    {
      name: tool.name,
      description: tool.description,
      input_schema: toolInputSchema(tool.schema),
      // Tools render before the system prompt: caching here caches the schema and the instructions.
      cache_control: { type: 'ephemeral' },
    },
  ];
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: prompt.user }];
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    let response: Anthropic.Message;
    try {
      response = await deps.client.messages.create(
        {
          model: deps.model,
          max_tokens: options.maxTokens ?? deps.maxTokens ?? 4_096,
          system: [{ type: 'text', text: prompt.system, cache_control: { type: 'ephemeral' } }],
          tools,
          tool_choice: { type: 'tool', name: tool.name },
          messages,
        },
        options.timeoutMs ? { timeout: options.timeoutMs } : undefined,
      );
    } catch (error) {
      throw new LlmError(`Anthropic API: ${error instanceof Error ? error.message : String(error)}`, 'api', {
        cause: error,
      });
    }
    addUsage(usage, response.usage);
    if (response.stop_reason === 'refusal') throw new LlmError('the model refused to answer', 'refused');
    const call = response.content.find(
      (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use' && block.name === tool.name,
    );
    if (!call) {
      throw new LlmError(
        `no ${tool.name} call in the answer (stop reason ${response.stop_reason})`,
        'invalid_output',
      );
    }
    const parsed = tool.schema.safeParse(call.input);
    const cut =
      response.stop_reason === 'max_tokens'
        ? '- the answer was cut off at the output token limit: make it shorter\n'
        : '';
    let problems: string;
    if (parsed.success) {
      const refused = tool.check ? await tool.check(parsed.data) : null;
      if (refused === null) return { value: parsed.data, usage };
      problems = `The input was refused:\n${refused}`;
    } else problems = `The input does not match the schema:\n${cut}${describeIssues(parsed.error)}`;
    if (attempt === 2) {
      throw new LlmError(`invalid ${tool.name} input after a repair. ${problems}`, 'invalid_output');
    }
    messages.push(
      { role: 'assistant', content: response.content },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: call.id,
            is_error: true,
            content: `${problems}\nCall ${tool.name} again with corrected input.`,
          },
        ],
      },
    );
  }
  throw new LlmError('unreachable', 'invalid_output');
}

export interface LlmAnalysis {
  analysis: Analysis;
  usage: LlmUsage;
  redactions: { kind: string; count: number }[];
}

export async function analyzeWithLlm(
  deps: LlmDeps,
  input: AnalysisInput,
  sources: string[],
): Promise<LlmAnalysis> {
  const prompt = analyzePrompt(input, sources);
  const { value, usage } = await structuredCall(deps, prompt, {
    name: 'report_analysis',
    description:
      'Report the analysis of the incident: a plain-language summary, ranked root causes with evidence, next steps, and proposed actions and fixes from the fixed vocabulary.',
    schema: llmAnalysisSchema,
  });
  const analysis = analysisSchema.parse({
    ...value,
    rootCauses: rankRootCauses(value.rootCauses),
    analyzer: 'llm',
    model: deps.model,
    tokens: { input: usage.input + usage.cacheRead + usage.cacheWrite, output: usage.output },
  });
  return { analysis, usage, redactions: prompt.redactions };
}

export async function explainWithLlm(
  deps: LlmDeps,
  text: string,
): Promise<{ explanation: Explanation; usage: LlmUsage }> {
  const { value, usage } = await structuredCall(deps, explainPrompt(text), {
    name: 'report_explanation',
    description: 'Report what the pasted text means, its likely causes (empty when unknown) and next steps.',
    schema: llmExplanationSchema,
  });
  return { explanation: explanationSchema.parse({ ...value, analyzer: 'llm', model: deps.model }), usage };
}

/** A free-form answer to a question about an incident, as Slack mrkdwn. */
export async function answerWithLlm(
  deps: LlmDeps,
  input: AnalysisInput,
  analysis: Analysis | null,
  question: string,
): Promise<{ answer: string; usage: LlmUsage }> {
  const prompt = whyPrompt(input, analysis, question);
  const usage = emptyUsage();
  let response: Anthropic.Message;
  try {
    response = await deps.client.messages.create({
      model: deps.model,
      max_tokens: 1_024,
      system: [{ type: 'text', text: prompt.system, cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: prompt.user }],
    });
  } catch (error) {
    throw new LlmError(`Anthropic API: ${error instanceof Error ? error.message : String(error)}`, 'api', {
      cause: error,
    });
  }
  addUsage(usage, response.usage);
  const answer = response.content
    .filter((block): block is Anthropic.TextBlock => block.type === 'text')
    .map((block) => block.text)
    .join('\n')
    .trim();
  if (!answer) throw new LlmError(`empty answer (stop reason ${response.stop_reason})`, 'invalid_output');
  return { answer, usage };
}
