/**
 * Team config repositories for tests: a working clone where a test writes files, commits and pushes
 * to a bare repository (a path, or a smart-HTTP URL with an Authorization header), as a team does.
 * Plus the files of a small, fast team whose strategy is its own plug-in module.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processEnvironment } from '../config/env.ts';

export interface WorkingClone {
  dir: string;
  /** Writes files (path → text) relative to the clone; null deletes. */
  write(files: Record<string, string | null>): void;
  read(file: string): string;
  /** Commits everything and pushes the branch; the new commit id. */
  commitAndPush(message: string, branch?: string): string;
  git(args: string[]): string;
}

/** A clone of `remote` (a path or URL) in `dir` on `branch`, pushing with `authorization` (a full header value) when given. */
export function workingClone(remote: string, dir: string, opts: { branch: string; authorization?: string }): WorkingClone {
  const env = { ...processEnvironment(), GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'team', GIT_AUTHOR_EMAIL: 'team@example.invalid', GIT_COMMITTER_NAME: 'team', GIT_COMMITTER_EMAIL: 'team@example.invalid' };
  const auth = opts.authorization ? ['-c', `http.extraHeader=Authorization: ${opts.authorization}`] : [];
  const git = (args: string[]) => execFileSync('git', [...auth, ...args], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  mkdirSync(dir, { recursive: true });
  git(['init', '--quiet', `--initial-branch=${opts.branch}`]);
  git(['remote', 'add', 'origin', remote]);
  try {
    git(['fetch', '--quiet', 'origin', opts.branch]);
    git(['checkout', '--quiet', '-B', opts.branch, `origin/${opts.branch}`]);
  } catch {
    // An empty remote, or a branch not pushed yet: start it here.
  }
  return {
    dir,
    git,
    write(files) {
      for (const [f, text] of Object.entries(files)) {
        const p = path.join(dir, f);
        if (text === null) rmSync(p, { force: true });
        else {
          mkdirSync(path.dirname(p), { recursive: true });
          writeFileSync(p, text);
        }
      }
    },
    read: (f) => readFileSync(path.join(dir, f), 'utf8'),
    commitAndPush(message, branch = opts.branch) {
      git(['add', '-A']);
      git(['commit', '--quiet', '--allow-empty', '-m', message]);
      git(['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`]);
      return git(['rev-parse', 'HEAD']).trim();
    },
  };
}

/** A bare repository at `dir` (the remote a class or a team pushes to). */
export function bareRepo(dir: string, initialBranch = 'main'): string {
  execFileSync('git', ['init', '--bare', '--quiet', `--initial-branch=${initialBranch}`, dir]);
  return dir;
}

/**
 * A strategy plug-in that places one order every day (buy `qty` of the first predicted symbol, sell it
 * the next day), its reason saying which version of the module decided: a second change to the same
 * file shows in the very next order.
 */
export function dailyStrategyModule(version: string, opts: { throwAtLoad?: boolean; throwInDecide?: boolean } = {}): string {
  return `import { z } from 'zod';
${opts.throwAtLoad ? `throw new Error('strategy ${version} cannot load');\n` : ''}const schema = z.strictObject({ qty: z.number().int().min(1).default(1) });
export default {
  kind: 'daily-${version}',
  schema,
  decide(p: { qty: number }, input: { predictions: readonly { symbol: string }[]; closes: Readonly<Record<string, number>>; positions: Readonly<Record<string, number>> }) {
    ${opts.throwInDecide ? `throw new Error('strategy ${version} fails to decide');` : ''}
    const s = input.predictions[0]?.symbol;
    const price = s === undefined ? undefined : input.closes[s];
    if (s === undefined || price === undefined) return { mode: 'none' as const, orders: [], notes: ['nothing to trade'] };
    const held = input.positions[s] ?? 0;
    const side = held > 0 ? ('sell' as const) : ('buy' as const);
    return { mode: 'regression' as const, notes: ['${version}'], orders: [{ symbol: s, side, qty: side === 'sell' ? held : p.qty, intent: side === 'buy' ? ('buy_daily' as const) : ('sell_daily' as const), predicted: null, threshold: null, refPrice: price, reason: \`${version}: one order a day (qty \${p.qty})\` }] };
  },
};
`;
}

/** A small, fast team file (a linear model on two symbols) whose strategy is `teams/<team>/strategy.ts`. */
export function fastTeamFile(team: string, o: { port?: number; qty?: number; epochs?: number; startingCash?: number; extra?: string } = {}): string {
  return `# ${team}: a small team for tests
team: ${team}
symbols: [MSFT, AAPL]
data: { provider: sample, benchmark: SPX }
features:
  rsi: [14]
  returns: [1, 5]
  volatility: [10]
model:
  name: ${team}-linear
  output: { feature: return }
  encoder: { type: linear }
  trainer: { epochs: ${o.epochs ?? 5}, batch_size: 64, learning_rate: 0.003, validation_split: 0.2 }
  seed: 3
lifecycle:
  retrain: { every_trading_days: 0, on_drift: false, mode: auto }
  training_window: { kind: rolling, trading_days: 600 }
  evaluation: { test_trading_days: 21, folds: 1 }
  gate: {}
strategy: { module: ./teams/${team}/strategy.ts, qty: ${o.qty ?? 1} }
broker: { kind: local, starting_cash: ${o.startingCash ?? 100000}, slippage_bps: 5, commission_per_share: 0.005, commission_min: 1 }
storage: { kind: fs }
versioning: { enabled: false }
schedule: { after_close: "16:30", trade_at: after_close, catch_up: run }
server: { port: ${o.port ?? 0} }
${o.extra ?? ''}`;
}
