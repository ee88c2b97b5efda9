/**
 * A season's teams in parallel (worker processes) end exactly as when played one after another in
 * one process: the same ledgers, the same trade records in the journals, the same leaderboard.json
 * byte for byte. And a team that fails stops alone: the others play on, its row carries the error.
 * A short season of the bundled data, through the real season code (workers are real processes).
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTeams, type TeamConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log.ts';
import { loadMarket, runSeason, seasonId, seasonSpan, type SeasonResult } from '../../src/engine/season.ts';
import { REPO_ROOT } from '../../src/testing/services.ts';

const FROM = '2017-10-16';
const TO = '2017-11-10';

async function teamsIn(dir: string): Promise<TeamConfig[]> {
  const teams = await loadTeams([path.join(REPO_ROOT, 'teams', 'red.yml'), path.join(REPO_ROOT, 'teams', 'blue.yml')]);
  return teams.map((t) => ({ ...t, workspaceDir: path.join(dir, 'workspaces', t.team) }));
}

async function season(dir: string, parallel: boolean, days: string[] = []): Promise<SeasonResult> {
  return runSeason({ teams: await teamsIn(dir), from: FROM, to: TO, out: path.join(dir, 'reports'), logger: silentLogger(), version: false, parallel, onDay: (p) => days.push(`${p.index} ${p.date} ${p.teams.map((t) => `${t.team}:${t.equity}`).join(' ')}`) });
}

function state(dir: string, id: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const team of ['red', 'blue']) {
    const s = path.join(dir, 'workspaces', team, 'seasons', id, 'state');
    out[`${team} ledger`] = readFileSync(path.join(s, 'ledger.jsonl'), 'utf8');
    const journal = readFileSync(path.join(s, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);
    out[`${team} trades`] = journal.filter((l) => /"step":"trade(\.plan)?"/.test(l)).join('\n');
  }
  return out;
}

describe('a season in parallel', () => {
  it('gives the same ledgers, trade records and leaderboard as the sequential run', { timeout: 600_000 }, async () => {
    const par = mkdtempSync(path.join(tmpdir(), 'arena-par-'));
    const seq = mkdtempSync(path.join(tmpdir(), 'arena-seq-'));
    const parDays: string[] = [];
    const seqDays: string[] = [];
    const a = await season(par, true, parDays);
    const b = await season(seq, false, seqDays);
    expect(a.id).toBe(b.id);
    expect(a.failures).toEqual([]);
    const leaderboard = (dir: string) => readFileSync(path.join(dir, 'reports', 'leaderboard.json'), 'utf8');
    expect(leaderboard(par)).toBe(leaderboard(seq));
    expect(JSON.parse(leaderboard(par)).teams.some((t: { trades: number }) => t.trades > 0)).toBe(true);
    const sa = state(par, a.id);
    const sb = state(seq, b.id);
    for (const k of Object.keys(sb)) expect(sa[k], k).toBe(sb[k]);
    expect(sa['red trades']?.length).toBeGreaterThan(0);
    // The progress lines come once per day, in order, with every team, whichever process played it.
    expect(parDays).toEqual(seqDays);
    expect(parDays).toHaveLength(20);
    // The reports beside it: one monitoring page per team, same bytes.
    for (const team of ['red', 'blue']) expect(readFileSync(path.join(par, 'reports', team, 'monitoring.json'), 'utf8')).toBe(readFileSync(path.join(seq, 'reports', team, 'monitoring.json'), 'utf8'));
  });

  it('a team that fails stops alone: the other plays on and the failed row says why', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-fail-'));
    const teams = await teamsIn(dir);
    const market = await loadMarket(teams, undefined);
    const span = seasonSpan(market, teams, FROM, TO);
    const id = seasonId(teams, span.from, span.to, market);
    // A file where blue's model registry must be a directory: its first training fails.
    mkdirSync(path.join(dir, 'workspaces', 'blue', 'seasons', id), { recursive: true });
    writeFileSync(path.join(dir, 'workspaces', 'blue', 'seasons', id, 'models'), 'not a directory');
    const days: string[] = [];
    const r = await season(dir, true, days);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]?.team).toBe('blue');
    expect(days).toHaveLength(20);
    expect(days.at(-1)).toMatch(/red:\d/);
    expect(days.at(-1)).toContain('blue:null');
    const board = JSON.parse(readFileSync(path.join(dir, 'reports', 'leaderboard.json'), 'utf8')) as { teams: { team: string; error?: string; trades: number }[] };
    const blue = board.teams.find((t) => t.team === 'blue');
    const red = board.teams.find((t) => t.team === 'red');
    expect(blue?.error).toMatch(/^(failed on 2017-10-16|could not start): /);
    expect(red?.error).toBeUndefined();
    expect(red?.trades).toBeGreaterThan(0);
    // Red's season is the one it has without blue's failure.
    const clean = mkdtempSync(path.join(tmpdir(), 'arena-clean-'));
    await season(clean, false);
    const cleanRed = (JSON.parse(readFileSync(path.join(clean, 'reports', 'leaderboard.json'), 'utf8')) as typeof board).teams.find((t) => t.team === 'red');
    expect(red).toEqual(cleanRed);
    expect(readdirSync(path.join(dir, 'reports', 'red'))).toContain('monitoring.html');
  });
});
