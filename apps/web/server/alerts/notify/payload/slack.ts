// A Slack incoming-webhook body that is also a whole Alertmanager webhook body (DESIGN.md "Webhook payload"):
// the Alertmanager fields, plus `text` (the notification fallback and what Slack-compatible chat tools show)
// and Block Kit `blocks` at the top level. Slack ignores the top-level fields it does not know, and a receiver
// written for Alertmanager reads the same body. https://api.slack.com/messaging/webhooks
import { alertmanagerWebhookBody, generatorURL } from './alertmanager-webhook.js';
import type { AlertmanagerWebhookBody } from './alertmanager-webhook.js';
import type { Notification } from '../../types.js';

export interface SlackBody extends AlertmanagerWebhookBody {
  text: string;
  blocks: unknown[];
}

const MAX_LISTED = 10;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A URL as the target of a mrkdwn link `<url|text>`: nothing in it may close the link or open another. */
function linkTarget(url: string): string {
  return url.replace(/[<>|\s]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
}

export function slackBody(n: Notification, externalURL: string): SlackBody {
  const icon = n.status === 'firing' ? ':rotating_light:' : ':white_check_mark:';
  const head = `${n.status === 'firing' ? 'FIRING' : 'RESOLVED'}${n.alerts.length > 1 ? ` (${n.alerts.length})` : ''}: ${n.rule.name}`;
  const lines = n.alerts.slice(0, MAX_LISTED).map((a) => `• ${escape(a.annotations.summary ?? a.labels.alertname)}`);
  if (n.alerts.length > MAX_LISTED) lines.push(`…and ${n.alerts.length - MAX_LISTED} more`);
  const first = n.alerts[0]?.annotations ?? {};
  const link = generatorURL(externalURL, n.rule.id);
  // text is mrkdwn: a rule name with <!channel> or <url|…> must not ping or link (the header block is plain text)
  const text = `${icon} ${escape(head)}\n${lines.join('\n')}`;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: head.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 3000) } },
  ];
  if (first.description) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escape(first.description).slice(0, 3000) } });
  const context = [`<${linkTarget(link)}|Open in perf>`];
  // a runbook annotation may hold sender-controlled names ({{ $labels.route }}): only an http(s) URL becomes a link,
  // with the characters that would end it (and start a <!channel> or a link of the sender's) encoded
  const runbook = first.runbook_url ?? first.runbook;
  if (runbook && /^https?:\/\//i.test(runbook)) context.push(`<${linkTarget(runbook)}|Runbook>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  return { ...alertmanagerWebhookBody(n, externalURL), text, blocks };
}
