/**
 * The Anthropic client, built once. The SDK retries 408/409/429/5xx (529 overloaded included) and
 * connection errors with backoff by itself (`maxRetries`); `timeout` bounds each try, so a hung API
 * turns into the offline fallback within about (maxRetries + 1) × timeout.
 */
import Anthropic from '@anthropic-ai/sdk';

export interface AnthropicClientOptions {
  apiKey: string;
  /** ANTHROPIC_BASE_URL: an API gateway or a test fake; the SDK's default when unset. */
  baseURL?: string | undefined;
  timeoutMs?: number;
  maxRetries?: number;
}

export function createAnthropicClient(options: AnthropicClientOptions): Anthropic {
  return new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    timeout: options.timeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 2,
  });
}
