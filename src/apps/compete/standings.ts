/**
 * The live leaderboard's numbers, computed from what the coordinator can read while the competition
 * runs — each team's journal (written by its daemon) and the market it plays on — for the days played
 * so far only: rank, equity curve, total and excess return over the benchmark, drawdown, the model's
 * directional accuracy so far (each prediction met by the close that followed it, once that close is
 * known), and the config commit in force with its last adopted or rejected change.
 *
 * The static leaderboard (engine/reporting.ts) ranks the same way (final equity, then name); its
 * return and drawdown come from the same `summarize`, so both pages agree on a finished competition.
 */
import { drawdownSeries, summarize, type EquityPoint } from '../../domain/trading/performance.ts';
import type { InMemoryMarketData } from '../../adapters/market/memory.ts';
import { accuracySoFar, benchmarkFor } from '../../engine/reporting.ts';
import type { TeamConfig } from '../../config/load.ts';
import type { Journal } from '../../engine/journal.ts';
import { describeEvent } from '../../engine/config-follow.ts';

export interface LiveTeam {
  team: string;
  rank: number;
  equity: number | null;
  total_return: number | null;
  /** Total return minus the benchmark's over the same days. */
  excess_return: number | null;
  /** How far below its peak the team is now (≤ 0), and the worst it has been. */
  drawdown: number | null;
  max_drawdown: number | null;
  /** Directional accuracy of the predictions whose next close is known, and how many there were. */
  accuracy: number | null;
  predictions_scored: number;
  last_day: string | null;
  curve: EquityPoint[];
  config: {
    commit: string;
    branch: string;
    /** The last change: adopted or rejected, when, and the one-line message. */
    last_change: { kind: 'adopted' | 'rejected'; commit: string; date: string; message: string } | null;
  } | null;
}

export interface LiveSnapshot {
  name: string;
  from: string;
  to: string;
  done: number;
  total: number;
  /** The last day played (null before the first). */
  day: string | null;
  finished: boolean;
  benchmark: { name: string; total_return: number | null; curve: EquityPoint[] };
  teams: LiveTeam[];
  generated_at: string;
}

export interface StandingsInput {
  name: string;
  teams: readonly { team: string; broker: TeamConfig['broker']; feature: TeamConfig['model']['output']['feature']; journal: Journal }[];
  market: InMemoryMarketData;
  benchmark: string;
  days: readonly string[];
  done: number;
  finished: boolean;
  generatedAt: string;
}

export function liveStandings(input: StandingsInput): LiveSnapshot {
  const played = input.days.slice(0, input.done);
  const day = played[played.length - 1] ?? null;
  const first = input.teams[0];
  const startingCash = first?.broker.starting_cash ?? 100_000;
  // The benchmark as the static leaderboard holds it (with the first team's costs), over the days played so far.
  const bench = first ? benchmarkFor(input.market, input.benchmark, played, first).points : [];
  const benchReturn = bench.length ? summarize(bench, startingCash).total_return : null;
  const rows: LiveTeam[] = input.teams.map(({ team, broker, feature, journal }) => {
    const cash = broker.starting_cash;
    const curve: EquityPoint[] = [];
    for (const d of played) {
      const rec = journal.get(d, 'trade');
      if (rec) curve.push({ date: d, equity: rec.equity });
    }
    const s = curve.length ? summarize(curve, cash) : null;
    const dd = curve.length ? drawdownSeries([cash, ...curve.map((p) => p.equity)]) : [];
    // As the static leaderboard scores it: the predictions of the days played, met by the truth known so far.
    const acc = accuracySoFar(journal, input.market, played, feature);
    // The commit of the last day's cycle, and the last day a change was adopted or rejected.
    let config: LiveTeam['config'] = null;
    const configDays = journal.datesWith('config').filter((d) => day !== null && d <= day);
    const latest = configDays.length ? journal.get(configDays[configDays.length - 1] as string, 'config') : undefined;
    if (latest) {
      let last: NonNullable<LiveTeam['config']>['last_change'] = null;
      for (const d of [...configDays].reverse()) {
        const e = journal.get(d, 'config')?.event;
        if (e) {
          last = { kind: e.kind, commit: e.commit, date: d, message: describeEvent(e) };
          break;
        }
      }
      config = { commit: latest.commit, branch: latest.branch, last_change: last };
    }
    return {
      team,
      rank: 0,
      equity: s?.final_equity ?? null,
      total_return: s?.total_return ?? null,
      excess_return: s && benchReturn !== null ? s.total_return - benchReturn : null,
      drawdown: dd.length ? (dd[dd.length - 1] as number) : null,
      max_drawdown: s?.max_drawdown ?? null,
      accuracy: acc.accuracy,
      predictions_scored: acc.n,
      last_day: curve[curve.length - 1]?.date ?? null,
      curve,
      config,
    };
  });
  // As the static leaderboard: final equity, then name (a team without a day yet at its starting cash).
  const eq = (r: LiveTeam, cash: number) => r.equity ?? cash;
  rows.sort((a, b) => eq(b, startingCash) - eq(a, startingCash) || a.team.localeCompare(b.team));
  rows.forEach((r, i) => (r.rank = i + 1));
  return {
    name: input.name,
    from: input.days[0] ?? '',
    to: input.days[input.days.length - 1] ?? '',
    done: input.done,
    total: input.days.length,
    day,
    finished: input.finished,
    benchmark: { name: `${input.benchmark} buy & hold`, total_return: benchReturn, curve: bench },
    teams: rows,
    generated_at: input.generatedAt,
  };
}
