/**
 * What each platform's incoming webhook accepts, as the platforms document it, written here
 * independently of the code that builds the bodies (src/adapters/notify/bodies.ts):
 * - Slack (docs.slack.dev, "Sending messages using incoming webhooks"): `text` (the fallback) and
 *   optional `blocks`; a section block's mrkdwn text is at most 3,000 characters, 50 blocks a message.
 * - Discord ("Execute Webhook"): `content` up to 2,000 characters and/or up to 10 `embeds` (title 256,
 *   description 4,096, up to 25 fields with name 256 and value 1,024, 6,000 characters in all).
 * - Microsoft Teams (incoming webhook / Workflows, "Send Adaptive Cards using an Incoming Webhook"):
 *   `type` "message", `attachments` of `contentType` "application/vnd.microsoft.card.adaptive" with
 *   `content` an AdaptiveCard; the legacy connector card is an `@type` MessageCard with a summary or text.
 */
import { z } from 'zod';

const section = z.strictObject({ type: z.literal('section'), text: z.strictObject({ type: z.literal('mrkdwn'), text: z.string().min(1).max(3000) }) });
export const slackBody = z.strictObject({ text: z.string().min(1).max(40_000), blocks: z.array(section).min(1).max(50) });

const embed = z.strictObject({
  title: z.string().min(1).max(256),
  description: z.string().max(4096),
  color: z.number().int().min(0).max(0xffffff),
  timestamp: z.iso.datetime({ offset: true }),
  fields: z.array(z.strictObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(1024), inline: z.boolean() })).max(25),
});
export const discordBody = z
  .strictObject({ content: z.string().max(2000), embeds: z.array(embed).max(10), allowed_mentions: z.strictObject({ parse: z.array(z.string()).length(0) }) })
  .refine((b) => b.content.length > 0 || b.embeds.length > 0, 'content or embeds')
  .refine((b) => b.embeds.reduce((a, e) => a + e.title.length + e.description.length + e.fields.reduce((x, f) => x + f.name.length + f.value.length, 0), 0) <= 6000, 'at most 6,000 characters across embeds');

const textBlock = z.object({ type: z.literal('TextBlock'), text: z.string().min(1), wrap: z.boolean().optional() });
const factSet = z.object({ type: z.literal('FactSet'), facts: z.array(z.strictObject({ title: z.string(), value: z.string() })) });
export const teamsAdaptiveBody = z.strictObject({
  type: z.literal('message'),
  attachments: z
    .array(
      z.strictObject({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        contentUrl: z.null(),
        content: z.object({ $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json'), type: z.literal('AdaptiveCard'), version: z.string().regex(/^1\.\d$/), body: z.array(z.union([textBlock, factSet])).min(1) }),
      }),
    )
    .length(1),
});

export const teamsMessageCardBody = z.object({
  '@type': z.literal('MessageCard'),
  '@context': z.literal('http://schema.org/extensions'),
  summary: z.string().min(1),
  themeColor: z.string().regex(/^[0-9A-F]{6}$/),
  title: z.string().min(1),
  sections: z.array(z.object({ activityTitle: z.string(), text: z.string(), facts: z.array(z.strictObject({ name: z.string(), value: z.string() })) })).min(1),
});

/** Every string in a body, joined: what a reader of the message could see. */
export function textOf(body: unknown): string {
  if (typeof body === 'string') return body;
  if (Array.isArray(body)) return body.map(textOf).join('\n');
  if (body && typeof body === 'object') return Object.values(body).map(textOf).join('\n');
  return '';
}
