/**
 * The JSON body each platform's incoming webhook accepts, built from one or more notices (several
 * waiting notices go out as one message, which keeps a busy day under the platform's rate limit).
 *
 * - Slack: `{text, blocks}` — `text` is the notification fallback, each notice a `section` block of
 *   mrkdwn (at most 3,000 characters; at most 50 blocks), `&`, `<`, `>` escaped as Slack asks.
 * - Discord: `{content, embeds, allowed_mentions}` — content at most 2,000 characters, at most 10
 *   embeds (title 256, description 4,096, 25 fields of name 256 / value 1,024, 6,000 in all);
 *   `allowed_mentions.parse: []` so a team's text can never ping @everyone.
 * - Microsoft Teams (Workflows or incoming webhook): `{type: "message", attachments: [{contentType:
 *   "application/vnd.microsoft.card.adaptive", contentUrl: null, content: AdaptiveCard}]}`; the legacy
 *   connector card is `{"@type": "MessageCard", "@context": "http://schema.org/extensions", summary, …}`.
 *
 * Every string has passed through `redact` before it gets here (notifier.ts).
 */
import type { NotifyEvent } from '../../config/schema.ts';

export type Platform = 'slack' | 'discord' | 'teams' | 'teams_message_card';

export interface Notice {
  event: NotifyEvent;
  /** The team it is about, or null (the coordinator). */
  team: string | null;
  level: 'info' | 'good' | 'warn' | 'error';
  title: string;
  text: string;
  fields?: { name: string; value: string }[];
  /** ISO time. */
  at: string;
}

const COLOR: Record<Notice['level'], { hex: string; int: number; emoji: string }> = {
  info: { hex: '2463EB', int: 0x2463eb, emoji: ':information_source:' },
  good: { hex: '1E7E34', int: 0x1e7e34, emoji: ':white_check_mark:' },
  warn: { hex: 'B36B00', int: 0xb36b00, emoji: ':warning:' },
  error: { hex: 'C0392B', int: 0xc0392b, emoji: ':rotating_light:' },
};

const cut = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
/** Slack's three control characters in text. */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const heading = (n: Notice): string => `${n.team ? `[${n.team}] ` : ''}${n.title}`;
const summary = (notices: readonly Notice[]): string =>
  notices.length === 1 ? heading(notices[0] as Notice) : `${notices.length} paper-arena notifications: ${notices.map((n) => heading(n)).join('; ')}`;

function slack(notices: readonly Notice[]): unknown {
  const blocks = notices.slice(0, 50).map((n) => {
    const facts = (n.fields ?? []).map((f) => `*${slackEscape(f.name)}:* ${slackEscape(f.value)}`).join('\n');
    const body = `${COLOR[n.level].emoji} *${slackEscape(heading(n))}*\n${slackEscape(n.text)}${facts ? `\n${facts}` : ''}`;
    return { type: 'section', text: { type: 'mrkdwn', text: cut(body, 3000) } };
  });
  return { text: cut(slackEscape(summary(notices)), 3000), blocks };
}

function discord(notices: readonly Notice[]): unknown {
  let budget = 6000;
  const embeds: unknown[] = [];
  for (const n of notices.slice(0, 10)) {
    const title = cut(heading(n), 256);
    const description = cut(n.text, Math.min(4096, Math.max(1, budget - title.length - 200)));
    const fields = (n.fields ?? []).slice(0, 25).map((f) => ({ name: cut(f.name, 256), value: cut(f.value || '—', 1024), inline: true }));
    const size = title.length + description.length + fields.reduce((a, f) => a + f.name.length + f.value.length, 0);
    if (size > budget) break;
    budget -= size;
    embeds.push({ title, description, color: COLOR[n.level].int, timestamp: n.at, fields });
  }
  return { content: cut(summary(notices), 2000), embeds, allowed_mentions: { parse: [] } };
}

function teamsAdaptive(notices: readonly Notice[]): unknown {
  const body: unknown[] = [];
  for (const n of notices) {
    body.push({ type: 'TextBlock', text: heading(n), weight: 'Bolder', size: 'Medium', wrap: true, color: n.level === 'error' ? 'Attention' : n.level === 'warn' ? 'Warning' : n.level === 'good' ? 'Good' : 'Default' });
    body.push({ type: 'TextBlock', text: n.text, wrap: true });
    if (n.fields?.length) body.push({ type: 'FactSet', facts: n.fields.map((f) => ({ title: f.name, value: f.value })) });
  }
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body } }],
  };
}

function teamsMessageCard(notices: readonly Notice[]): unknown {
  const worst = notices.some((n) => n.level === 'error') ? 'error' : notices.some((n) => n.level === 'warn') ? 'warn' : (notices[0]?.level ?? 'info');
  return {
    '@type': 'MessageCard',
    '@context': 'http://schema.org/extensions',
    summary: cut(summary(notices), 200),
    themeColor: COLOR[worst].hex,
    title: notices.length === 1 ? heading(notices[0] as Notice) : `${notices.length} paper-arena notifications`,
    sections: notices.map((n) => ({ activityTitle: heading(n), text: n.text, facts: (n.fields ?? []).map((f) => ({ name: f.name, value: f.value })), markdown: false })),
  };
}

export function bodyFor(platform: Platform, notices: readonly Notice[]): unknown {
  if (notices.length === 0) throw new Error('bodyFor: expected at least one notice');
  switch (platform) {
    case 'slack':
      return slack(notices);
    case 'discord':
      return discord(notices);
    case 'teams':
      return teamsAdaptive(notices);
    case 'teams_message_card':
      return teamsMessageCard(notices);
  }
}

/** How many notices one message may carry on this platform. */
export const BATCH_LIMIT: Record<Platform, number> = { slack: 20, discord: 10, teams: 10, teams_message_card: 10 };
