/**
 * A CSV with a duplicated date, a negative price and an unadjusted 3-for-1 split: the cycle reports
 * three named findings for that symbol, blocks it with the reason, and never trades it.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runArena } from '../../src/testing/processes.ts';
import { pageDay } from '../../src/adapters/reports/monitoring.ts';
import type { MonitoringPageData } from '../../src/adapters/reports/types.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

function corruptMsft(csv: string): string {
  const [head, ...rows] = csv.trim().split('\n');
  const split = rows.findIndex((r) => r.startsWith('2017-10-31'));
  const out = rows.map((r, i) => {
    if (i >= split) return r;
    // Before the (unadjusted) split every price is 3× what it is after it.
    const [d, ...v] = r.split(',');
    return [d, ...v.map((x, j) => (j < 4 ? String(Number(x) * 3) : x))].join(',');
  });
  const dup = out.findIndex((r) => r.startsWith('2017-11-01'));
  out.splice(dup + 1, 0, out[dup] as string); // the same date twice
  const neg = out.findIndex((r) => r.startsWith('2017-11-07'));
  const cells = (out[neg] as string).split(',');
  cells[4] = '-84.27'; // a negative close
  out[neg] = cells.join(',');
  return [head, ...out].join('\n') + '\n';
}

describe('quality gate in a cycle', () => {
  it('names duplicate_date, non_positive_price and suspicious_jump, and does not trade MSFT', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-quality-'));
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    mkdirSync(path.join(dir, 'teams'));
    mkdirSync(path.join(dir, 'bars'));
    for (const s of ['AAPL', 'MSFT', 'GOOGL', 'SPX']) {
      const text = readFileSync(path.join(REPO_ROOT, 'data', 'sample', `${s}.csv`), 'utf8');
      writeFileSync(path.join(dir, 'bars', `${s}.csv`), s === 'MSFT' ? corruptMsft(text) : text);
    }
    const red = readFileSync(path.join(REPO_ROOT, 'teams', 'red.yml'), 'utf8').replace(/provider: sample[^\n]*/, 'provider: csv\n  dir: bars');
    writeFileSync(path.join(dir, 'teams', 'red.yml'), red);

    const r = await runArena(dir, ['cycle', '--team', 'teams/red.yml', '--date', '2017-11-10']);
    expect(r.code, r.stderr).toBe(0);

    const journal = readFileSync(path.join(dir, 'workspaces', 'red', 'state', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: string; record: Record<string, unknown> });
    const fetch = journal.find((e) => e.step === 'fetch')?.record as { findings: { symbol: string; code: string; severity: string }[]; blocked: Record<string, string> };
    const msft = fetch.findings.filter((f) => f.symbol === 'MSFT' && f.severity === 'error').map((f) => f.code);
    expect(msft).toEqual(expect.arrayContaining(['duplicate_date', 'non_positive_price', 'suspicious_jump']));
    expect(fetch.findings.find((f) => f.symbol === 'MSFT' && f.code === 'suspicious_jump')).toMatchObject({ message: expect.stringMatching(/unadjusted 3:1 split/) as unknown as string });
    expect(fetch.blocked.MSFT).toMatch(/^data quality: .*duplicate_date/);
    expect(fetch.blocked.AAPL).toBeUndefined();

    const plan = journal.find((e) => e.step === 'trade.plan')?.record as { orders: { symbol: string }[]; notes: string[] };
    expect(plan.orders.some((o) => o.symbol === 'MSFT')).toBe(false);
    expect(plan.notes.join('\n')).toMatch(/MSFT not traded: data quality/);

    const report = pageDay(JSON.parse(readFileSync(path.join(dir, 'reports', 'red', 'monitoring.json'), 'utf8')) as MonitoringPageData, '2017-11-10');
    expect(report?.findings.filter((f) => f.symbol === 'MSFT').map((f) => f.code)).toEqual(expect.arrayContaining(['duplicate_date', 'non_positive_price', 'suspicious_jump']));
  });
});
