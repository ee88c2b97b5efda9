/**
 * A team's config report (`reports/<team>/config.html`): which commit of its branch is in force,
 * whether the head was refused and why, and every adopted or rejected change with its fields
 * ("config changed at abc1234: model.trainer.epochs 25 → 40").
 */
import { html, page, table } from './html.ts';

export interface ConfigHistoryEvent {
  kind: 'adopted' | 'rejected';
  commit: string;
  reason: string | null;
  changes: { field: string; from: string; to: string }[];
  retrain: boolean;
  at: string;
  /** One line, as logs and notifications say it. */
  message: string;
}

export interface ConfigReportData {
  team: string;
  repo: string;
  branch: string;
  path: string;
  commit: string;
  state: 'adopted' | 'rejected';
  reason: string | null;
  rejected_commit: string | null;
  generated_at: string;
  /** Newest last. */
  history: ConfigHistoryEvent[];
}

const short = (c: string) => c.slice(0, 7);

export function renderConfigHistory(d: ConfigReportData): string {
  const status = d.state === 'adopted'
    ? html`<p><span class="badge ok">adopted</span> ${d.path} at <code>${short(d.commit)}</code> is in force</p>`
    : html`<p><span class="badge fail">rejected</span> the head <code>${short(d.rejected_commit ?? '')}</code> was refused: ${d.reason ?? ''}</p><p class="sub">still running on <code>${short(d.commit)}</code>, the last good config</p>`;
  const rows = [...d.history].reverse().map((e) => [
    e.at.slice(0, 19).replace('T', ' '),
    e.kind,
    short(e.commit),
    e.kind === 'rejected' ? (e.reason ?? '') : e.changes.map((c) => `${c.field} ${c.from} → ${c.to}`).join('; ') || '(no field changed)',
    e.retrain ? 'yes' : '',
  ]);
  return page({
    title: `${d.team} config`,
    footer: `generated ${d.generated_at}`,
    body: html`<h1>Config: ${d.team}</h1><p class="sub">${d.path} on branch ${d.branch} of ${d.repo} · <a href="trading.html">trading</a> · <a href="../index.html">all reports</a></p>
${status}
<h2>Changes (${d.history.length}, newest first)</h2>${rows.length ? table(['when', 'what', 'commit', 'fields changed, or why it was refused', 'retrain'], rows) : html`<p class="sub">None since the daemon started following the branch.</p>`}`,
  });
}
