/** `arena doctor`: one line per check (ok / warn / FAIL) with the fix; exit 1 when a check fails. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { simpleGit } from 'simple-git';
import { tradingDayOf, previousTradingDay } from '../../domain/calendar/nyse.ts';
import { WallClock } from '../../adapters/clock.ts';
import { checkSecrets, loadTeam, type TeamConfig } from '../../config/load.ts';
import { loadEnv } from '../../config/env.ts';
import { errorMessage } from '../../core/errors.ts';
import { silentLogger } from '../../core/log.ts';
import { redact } from '../../core/redact.ts';
import { findDvc } from '../../adapters/versioning/index.ts';
import { alpacaBrokerFor, marketFor, providerFor } from '../../engine/wiring.ts';
import { builtinBackendFor } from '../../adapters/models/index.ts';
import { isTensorflowInstalled } from '../../adapters/models/tfjs/installed.ts';
import type { BarField } from '../../domain/features/indicators/types.ts';
import { planFeatures } from '../../domain/features/matrix.ts';

const run = promisify(execFile);
type Level = 'ok' | 'warn' | 'FAIL';

async function httpOk(url: string, timeoutMs = 3000): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (err) {
    return errorMessage((err as { cause?: unknown }).cause ?? err);
  }
}

/**
 * Where the team's model trains and why: the family's own account (for linear/MLP the measured engine
 * rule, engineFor), for the feature columns the team's features make and about the samples its
 * training window holds, and whether native TensorFlow (tfjs-node) is installed here.
 */
function modelEngine(team: TeamConfig, historyBars: number): string {
  const ohlcv = new Set<BarField>(['open', 'high', 'low', 'volume']);
  const inputs = planFeatures(team.features, ohlcv, [], { external: (team.features.alphavantage?.length ?? 0) > 0 }).columns.length;
  const window = team.lifecycle.training_window.kind === 'rolling' ? team.lifecycle.training_window.trading_days : historyBars;
  const samples = team.symbols.length * window;
  const name = `${team.model.name ?? 'model'} (${team.model.encoder.type}, ${inputs} inputs${samples ? `, ~${samples.toLocaleString('en-US')} samples` : ''})`;
  const native = isTensorflowInstalled() ? 'tfjs-node installed (native TensorFlow for large networks)' : 'tfjs-node not installed (large networks use WASM; `bash scripts/tfjs-node.sh`)';
  try {
    const family = builtinBackendFor(team.model);
    return `${name}: ${family.describe?.(team.model, { samples, inputs }) ?? `${family.kind} backend`}; ${native}`;
  } catch (err) {
    return `${name}: ${errorMessage(err)}; ${native}`;
  }
}

export async function runDoctor(teamFile: string, print: (line: string) => void): Promise<boolean> {
  let failed = false;
  const line = (level: Level, what: string, detail: string, fix?: string) => {
    if (level === 'FAIL') failed = true;
    print(`${level.padEnd(4)}  ${what.padEnd(10)} ${redact(detail)}${fix ? ` → ${redact(fix)}` : ''}`);
  };
  let team: TeamConfig;
  try {
    team = await loadTeam(teamFile, { checkSecrets: false });
    line('ok', 'config', `${team.file}: team ${team.team}, ${team.symbols.length} symbols, strategy ${team.strategy.kind} (${path.relative(team.root, team.strategyFile)})`);
    for (const m of team.plugins.modules) line('ok', 'plugin', `${m.field}: ${path.relative(team.root, m.file)} loaded and checked (sha256 ${m.digest}); runs with the daemon's rights`);
  } catch (err) {
    line('FAIL', 'config', errorMessage(err), 'fix the file and field named');
    return false;
  }
  const env = loadEnv({ cwd: team.root });
  let historyBars = 0;
  try {
    checkSecrets(team, env);
    line('ok', 'secrets', 'every secret this team needs is set');
  } catch (err) {
    line('FAIL', 'secrets', errorMessage(err), 'copy .env.secrets.template to .env.secrets and fill it in, or export the variable');
  }
  if (providerFor(team).replayable) {
    try {
      const src = await marketFor(team, env, silentLogger());
      const lasts: string[] = [];
      for (const s of team.symbols) {
        const bars = (await src.daily({ symbol: s, asOf: '9999-12-31' })).bars;
        lasts.push(bars.at(-1)?.date ?? '?');
        historyBars = Math.max(historyBars, bars.length);
      }
      const last = lasts.sort()[0] ?? '?';
      const today = previousTradingDay(tradingDayOf(new WallClock().now()));
      line(last < today ? 'warn' : 'ok', 'data', `${team.data.provider}: every symbol has bars up to ${last}`, last < today ? 'history only: use `arena season`, or data.provider alphavantage for live cycles' : undefined);
    } catch (err) {
      line('FAIL', 'data', errorMessage(err), 'check data.dir and the CSV files');
    }
  } else {
    const base = team.data.provider === 'alphavantage' ? env.endpoints.alphavantage : env.endpoints.alpacaData;
    line('ok', 'data', `${team.data.provider}: configured (base URL ${base ?? 'the real API'}); not called here to spare the request budget`);
  }
  if (team.broker.kind === 'local') line('ok', 'broker', `local paper broker, ledger ${path.join(team.workspaceDir, 'state', 'ledger.jsonl')}`);
  else {
    const where = env.endpoints.alpacaTrading ?? (team.broker.live ? 'Alpaca LIVE' : 'Alpaca paper');
    try {
      const a = await (await alpacaBrokerFor(team, env, 'broker.kind alpaca', { timeoutMs: 5000, retry: false })).account();
      line('ok', 'broker', `${where}: account ${a.account_number}, equity $${a.equity.toFixed(2)}`);
    } catch (err) {
      line('FAIL', 'broker', `${where}: ${errorMessage(err)}`, 'check the Alpaca keys in .env.secrets, ALPACA_TRADING_URL, or start `arena exchange`');
    }
  }
  const minio = env.endpoints.minio ?? team.storage.endpoint;
  if (team.storage.kind === 'minio' || team.versioning.dvc_remote === 'minio') {
    const err = minio ? await httpOk(new URL('/minio/health/live', minio).toString()) : 'no endpoint';
    line(err ? 'FAIL' : 'ok', 'minio', err ? `${minio ?? '(unset)'}: ${err}` : `${minio} is live`, err ? 'start MinIO (`bash scripts/services.sh start`) or fix storage.endpoint / MINIO_ENDPOINT' : undefined);
  } else line('ok', 'minio', 'not used (storage.kind fs, no DVC remote)');
  const dvc = await findDvc(env.childEnv());
  if (!dvc) line(team.versioning.enabled ? 'warn' : 'ok', 'dvc', 'not installed: artifacts stay unversioned', 'bash scripts/services.sh setup (or pip install "dvc[s3]")');
  else {
    const v = await run(dvc, ['--version'], { timeout: 30_000 }).then((r) => r.stdout.trim(), (e: unknown) => `error: ${errorMessage(e)}`);
    line(v.startsWith('error') ? 'FAIL' : 'ok', 'dvc', `${dvc} ${v}`);
  }
  try {
    const v = await simpleGit().version();
    line(v.installed ? 'ok' : 'FAIL', 'git', v.installed ? `git ${v.major}.${v.minor}.${String(v.patch)}` : 'git is not installed', v.installed ? undefined : 'apt-get install git');
  } catch (err) {
    line('FAIL', 'git', errorMessage(err), 'apt-get install git');
  }
  line('ok', 'engine', modelEngine(team, historyBars));
  const mlflow = env.endpoints.mlflow;
  if (mlflow) {
    const err = await httpOk(new URL('/health', mlflow).toString());
    line(err ? 'FAIL' : 'ok', 'mlflow', err ? `${mlflow}: ${err}` : `${mlflow} answers`, err ? 'start the MLflow server or unset MLFLOW_TRACKING_URI' : undefined);
  } else line('ok', 'mlflow', 'not configured: runs are recorded as JSON under the workspace runs/');
  return !failed;
}
