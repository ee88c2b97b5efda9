import type { IndexEntry } from './types.ts';
import { html, joinHtml, link, page, safeHref } from './html.ts';

const KIND_ORDER: IndexEntry['kind'][] = ['leaderboard', 'trading', 'training', 'monitoring'];

export function renderIndex(entries: readonly IndexEntry[], generatedAt: string): string {
  const teams = [...new Set(entries.map((e) => e.team))].sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : a.localeCompare(b)));
  const sections = teams.map((team) => {
    const mine = entries.filter((e) => e.team === team);
    const groups = KIND_ORDER.map((kind) => {
      const list = mine.filter((e) => e.kind === kind).sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || b.title.localeCompare(a.title));
      if (!list.length) return '';
      // A season has hundreds of monitored days, each an anchor into the team's one monitoring page: one line of dates.
      if (kind === 'monitoring' && list.every((e) => e.date)) {
        const days = list.map((e) => html`<a href="${safeHref(e.href)}" title="${e.title}">${e.date}</a>`);
        return html`<h3>${kind} (${list.length})</h3><p class="days">${joinHtml(days, ' · ')}</p>`;
      }
      return html`<h3>${kind} (${list.length})</h3><ul>${list.map((e) => html`<li>${link(e.href, e.title)}</li>`)}</ul>`;
    });
    return html`<h2>${team === 'all' ? 'Competition' : `Team ${team}`}</h2>${groups}\n`;
  });
  return page({
    title: 'paper-arena reports',
    footer: `generated ${generatedAt}`,
    body: html`<h1>paper-arena reports</h1><p class="sub">${entries.length} reports</p>${sections.length ? sections : html`<p>No reports yet.</p>`}`,
  });
}
