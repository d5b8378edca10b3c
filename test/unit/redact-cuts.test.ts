/**
 * Secrets must not survive as fragments where text is cut (issue 10, item 3): every cut redacts first, so
 * a cut can fall before, inside or after a secret and nothing of it shows. For each kind of secret the
 * text is placed so that the cut falls at every position from two characters before the secret to two
 * after it, and no fragment of 8 or more of its characters may remain: in stored titles (both sources),
 * the offline analyzer's evidence, the LLM prompt, and Slack's blocks and `text` fallback.
 */
import { describe, expect, it } from 'vitest';
import { clip as offlineClip } from '../../src/analysis/offline/facts.ts';
import { analyzePrompt, explainPrompt, whyPrompt } from '../../src/analysis/prompts.ts';
import { redact } from '../../src/analysis/redact.ts';
import type { Analysis } from '../../src/analysis/schema.ts';
import { normalizeAlertmanager, parseAlertmanagerPayload } from '../../src/ingest/alertmanager.ts';
import { normalizePagerDuty, parsePagerDutyPayload } from '../../src/ingest/pagerduty.ts';
import { redactForSlack } from '../../src/slack/message.ts';
import { splitText, truncate } from '../../src/slack/render/format.ts';
import { renderAnalysis, renderIncidentRoot, renderWhy } from '../../src/slack/render/index.ts';
import { fallback } from '../../src/slack/render/parts.ts';
import { testAlert, testIncident, testInput } from '../support/incidents.ts';
import { alertmanagerBody, readFixture } from '../support/payloads.ts';
import { leakedFragments, placements, SECRET_CORPUS, type SecretSample } from '../support/secrets.ts';

const AT = '2026-03-01T10:00:00Z';

/** Every placement of the sample around a cut at `limit` after `head`, with what `run` made of it. */
function expectNoFragment(
  sample: SecretSample,
  limit: number,
  headLength: number,
  run: (text: string) => string,
) {
  const texts = placements(sample, limit, headLength);
  // Every cut from two before the secret to two after it, unless the secret is longer than the limit.
  expect(texts.length).toBeGreaterThanOrEqual(Math.min(sample.secret.length + 5, limit - headLength - 40));
  for (const text of texts) {
    const output = run(text);
    const leaked = leakedFragments(output, sample.secret);
    if (leaked.length > 0) {
      throw new Error(
        `${sample.name}: ${leaked.length} fragment(s) survive, e.g. "${leaked[0]}" in\n${output}`,
      );
    }
  }
}

describe('redact: secrets glued to the text before them', () => {
  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))('%s', (_name, sample) => {
    expect(leakedFragments(redact(sample.text).text, sample.secret)).toEqual([]);
    expect(leakedFragments(redact(`zz${sample.text}`).text, sample.secret)).toEqual([]);
  });
});

describe('stored titles: cut at 200 characters after redaction', () => {
  const pagerDuty = JSON.parse(readFixture('pd-v3-incident.triggered-zulip.json')) as {
    event: { data: { title: string } };
  };

  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))('%s', (_name, sample) => {
    // Alertmanager: `alertname: summary`, cut to 199 characters and "…".
    expectNoFragment(sample, 199, 'KubeSecretLeak: '.length, (summary) => {
      const body = alertmanagerBody({
        groupKey: 'cuts',
        alerts: [{ labels: { alertname: 'KubeSecretLeak', service: 'checkout' }, annotations: { summary } }],
      });
      (body.commonAnnotations as Record<string, string>).summary = summary;
      const delivery = normalizeAlertmanager(parseAlertmanagerPayload(body), { serviceLabels: ['service'] });
      return delivery.groups[0]?.title ?? '';
    });
    // PagerDuty: the incident's title, cut the same way.
    expectNoFragment(sample, 199, 0, (title) => {
      const body = structuredClone(pagerDuty);
      body.event.data.title = title;
      return normalizePagerDuty(parsePagerDutyPayload(body), undefined).groups[0]?.title ?? '';
    });
  });
});

describe('the offline analyzer: quoted alert text is redacted before it is clipped', () => {
  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))('%s', (_name, sample) => {
    expectNoFragment(sample, 199, 0, (text) => offlineClip(text, 200));
  });
});

describe('the LLM prompt: annotations are redacted before they are clipped to 1,000 characters', () => {
  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))('%s', (_name, sample) => {
    expectNoFragment(sample, 1000, 0, (description) => {
      const alert = testAlert(
        { labels: { alertname: 'KubeSecretLeak', namespace: 'shop' }, annotations: { description } },
        { at: AT },
      );
      const prompt = analyzePrompt(testInput([alert], AT), []);
      return `${prompt.system}\n${prompt.user}`;
    });
  });
});

describe('the LLM prompt: pasted text and questions are redacted before they are cut', () => {
  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))('%s', (_name, sample) => {
    // `/aiops explain TEXT`: cut to 8,000 characters.
    expectNoFragment(sample, 8000, 0, (text) => explainPrompt(text).user);
    // `/aiops why QUESTION`: cut to 2,000 characters.
    const alert = testAlert({ labels: { alertname: 'KubeSecretLeak', namespace: 'shop' } }, { at: AT });
    expectNoFragment(sample, 2000, 0, (question) => whyPrompt(testInput([alert], AT), null, question).user);
  });
});

describe('Slack: every cut of untrusted text redacts first', () => {
  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))('truncate: %s', (_name, sample) => {
    expectNoFragment(
      sample,
      199,
      0,
      (text) => redactForSlack({ text: truncate(text, 200), blocks: [] }).text,
    );
    expectNoFragment(sample, 499, 0, (text) => fallback(text));
  });

  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))('splitText: %s', (_name, sample) => {
    // Each piece becomes its own section, redacted on its own: a secret split across two would survive.
    expectNoFragment(sample, 300, 0, (text) =>
      splitText(`${text}${' and more'.repeat(40)}`, 300)
        .map((piece) => redactForSlack({ text: piece, blocks: [] }).text)
        .join('\n'),
    );
  });

  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))(
    'an analysis reply, blocks and text fallback: %s',
    (_name, sample) => {
      const incident = testIncident(
        [testAlert({ labels: { alertname: 'KubeSecretLeak', namespace: 'shop' } }, { at: AT })],
        AT,
      );
      // The summary is the text fallback's headline when no cause is ranked (cut to 200).
      expectNoFragment(sample, 199, 0, (summary) => {
        const analysis: Analysis = {
          summary,
          rootCauses: [],
          nextSteps: [],
          proposedActions: [],
          proposedFixes: [],
          analyzer: 'offline',
          history: null,
        };
        return JSON.stringify(renderAnalysis(incident, analysis).map(redactForSlack));
      });
      // Evidence is cut to 300 characters in the thread, 200 in `/aiops why`.
      for (const [limit, render] of [
        [299, (analysis: Analysis) => renderAnalysis(incident, analysis)],
        [199, (analysis: Analysis) => [renderWhy(incident, analysis)]],
      ] as const) {
        expectNoFragment(sample, limit, 0, (evidence) => {
          const analysis: Analysis = {
            summary: 'The pod crashes at start-up.',
            rootCauses: [
              { title: 'Bad config', likelihood: 0.5, category: 'configuration', evidence: [evidence] },
            ],
            nextSteps: [],
            proposedActions: [],
            proposedFixes: [],
            analyzer: 'offline',
            history: null,
          };
          return JSON.stringify(render(analysis).map(redactForSlack));
        });
      }
    },
  );

  it.each(SECRET_CORPUS.map((sample) => [sample.name, sample] as const))(
    'the incident root message (header 150, fallback 200): %s',
    (_name, sample) => {
      const alert = testAlert({ labels: { alertname: 'KubeSecretLeak', namespace: 'shop' } }, { at: AT });
      for (const [limit, head] of [
        [149, 0],
        [199, '#99 '.length],
      ] as const) {
        expectNoFragment(sample, limit, head, (title) => {
          const incident = { ...testIncident([alert], AT), title };
          return JSON.stringify(redactForSlack(renderIncidentRoot(incident)));
        });
      }
    },
  );
});
