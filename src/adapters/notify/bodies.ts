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

/** Slack takes at most 50 blocks: one per notice. */
const SLACK_BLOCKS = 50;

function slack(notices: readonly Notice[]): unknown {
  const blocks = notices.map((n) => {
    const facts = (n.fields ?? []).map((f) => `*${slackEscape(f.name)}:* ${slackEscape(f.value)}`).join('\n');
    const body = `${COLOR[n.level].emoji} *${slackEscape(heading(n))}*\n${slackEscape(n.text)}${facts ? `\n${facts}` : ''}`;
    return { type: 'section', text: { type: 'mrkdwn', text: cut(body, 3000) } };
  });
  return { text: cut(slackEscape(summary(notices)), 3000), blocks };
}

interface Embed {
  title: string;
  description: string;
  color: number;
  timestamp: string;
  fields: { name: string; value: string; inline: boolean }[];
}

/** Discord's limit across a message's embeds (titles, descriptions, field names and values). */
const DISCORD_EMBED_BUDGET = 6000;
const fieldsSize = (fields: Embed['fields']): number => fields.reduce((a, f) => a + f.name.length + f.value.length, 0);
const embedSize = (e: Embed): number => e.title.length + e.description.length + fieldsSize(e.fields);

function discordEmbed(n: Notice): Embed {
  return {
    title: cut(heading(n), 256),
    description: cut(n.text, 4096),
    color: COLOR[n.level].int,
    timestamp: n.at,
    fields: (n.fields ?? []).slice(0, 25).map((f) => ({ name: cut(f.name, 256), value: cut(f.value || '—', 1024), inline: true })),
  };
}

/**
 * A notice too big for a message even alone (many long fields): sent cut rather than never — its last
 * fields give way to a note saying how many were cut. Title (256) and description (4,096) always fit.
 */
function shrinkEmbed(e: Embed, budget: number): Embed {
  const fields = [...e.fields];
  const note = (cutCount: number) => ({ name: '…', value: `${cutCount} more field(s) cut to fit Discord's ${DISCORD_EMBED_BUDGET.toLocaleString('en-US')}-character limit`, inline: false });
  while (fields.length > 0 && e.title.length + e.description.length + fieldsSize([...fields, note(e.fields.length - fields.length + 1)]) > budget) fields.pop();
  const dropped = e.fields.length - fields.length;
  const shrunk = { ...e, fields: dropped ? [...fields, note(dropped)] : fields };
  const over = embedSize(shrunk) - budget;
  return over > 0 ? { ...shrunk, description: cut(shrunk.description, Math.max(1, shrunk.description.length - over)) } : shrunk;
}

/** As many whole notices as fit in one message's budget, in order; the first one always goes (cut if it must). */
function discordEmbeds(notices: readonly Notice[]): Embed[] {
  let budget = DISCORD_EMBED_BUDGET;
  const embeds: Embed[] = [];
  for (const n of notices.slice(0, 10)) {
    const e = discordEmbed(n);
    const size = embedSize(e);
    if (size <= budget) {
      embeds.push(e);
      budget -= size;
      continue;
    }
    if (embeds.length === 0) embeds.push(shrinkEmbed(e, budget));
    break;
  }
  return embeds;
}

/** The message of the notices its embeds carry (the summary names only those). */
function discord(notices: readonly Notice[], embeds: readonly Embed[]): unknown {
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

export interface Message {
  /** The JSON body to post. */
  body: unknown;
  /** How many of the notices given, from the first, it carries; the caller sends the rest in a later message. */
  count: number;
}

/** One message for the first notices that fit the platform's limits (at least one). */
export function bodyFor(platform: Platform, notices: readonly Notice[]): Message {
  if (notices.length === 0) throw new Error('bodyFor: expected at least one notice');
  switch (platform) {
    case 'slack': {
      const fit = notices.slice(0, SLACK_BLOCKS);
      return { body: slack(fit), count: fit.length };
    }
    case 'discord': {
      const embeds = discordEmbeds(notices);
      return { body: discord(notices.slice(0, embeds.length), embeds), count: embeds.length };
    }
    case 'teams':
      return { body: teamsAdaptive(notices), count: notices.length };
    case 'teams_message_card':
      return { body: teamsMessageCard(notices), count: notices.length };
  }
}

/** How many notices one message may carry on this platform. */
export const BATCH_LIMIT: Record<Platform, number> = { slack: 20, discord: 10, teams: 10, teams_message_card: 10 };
