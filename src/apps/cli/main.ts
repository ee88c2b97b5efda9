/**
 * `arena`: the command-line contract of DESIGN.md. Exit codes: 0 success, 2 usage or configuration
 * error (one line naming file, field and expected value), 1 runtime failure (with what to do).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import YAML from 'yaml';
import { DateTime } from 'luxon';
import { ArenaError, ConfigError, errorMessage, MissingSecretError, UsageError } from '../../core/errors.ts';
import { closeLogger, createLogger } from '../../core/log.ts';
import { redact } from '../../core/redact.ts';
import { processVariable } from '../../config/env.ts';
import { writeFileAtomic } from '../../core/fsx.ts';
import { StepFailed } from '../../engine/cycle.ts';
import { K8S_DEFAULTS } from '../deploy/k8s.ts';
import { FAULT_MODES, type FaultMode } from '../../sim/alphavantage/fault-modes.ts';

import type { Bar } from '../../domain/market/types.ts';
import { formatLeaderboard } from './format.ts';
import type { Clock } from '../../ports.ts';
import type { ConfigFollower } from '../../engine/config-follow.ts';

// Each command loads what it needs when it runs: `arena --help`, `arena exchange` and `arena drift`
// stay light (no TensorFlow.js, no model or daemon code) and start fast.
const config = () => import('../../config/load.ts');
const csvMarket = () => import('../../adapters/market/csv.ts');

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isoDate(flag: string) {
  return (v: string): string => {
    // Date.parse rolls 2017-02-30 over to March 2nd; luxon says such a day does not exist.
    if (!ISO_DATE.test(v)) throw new UsageError(`${flag}: expected a date YYYY-MM-DD, got "${v}"`);
    if (!DateTime.fromISO(v, { zone: 'utc' }).isValid) throw new UsageError(`${flag}: expected a calendar date YYYY-MM-DD, got "${v}", which does not exist`);
    return v;
  };
}

function parsePort(v: string, flag = '--port'): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag}: expected an integer 0..65535, got "${v}"`);
  return n;
}

/** Servers started by a command run until Ctrl-C or SIGTERM. */
const untilSignal = (): Promise<void> =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got "${v}"`);
  return n;
}

function nonNegative(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: expected a number >= 0, got "${v}"`);
  return n;
}

/** A long command: a stderr logger, and SIGINT/SIGTERM turned into an abort signal while it runs. */
async function whileNotSignalled(fn: (signal: AbortSignal, logger: ReturnType<typeof createLogger>) => Promise<void>): Promise<void> {
  const logger = createLogger({ stderr: true });
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await fn(ac.signal, logger);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await closeLogger(logger);
  }
}

const splitList = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

/**
 * The teams of a season or competition: a refused team file (a broken plug-in, bad parameters) is
 * named on stderr and the others play; the command then exits 2. All refused: the first error.
 */
async function playingTeams(files: readonly string[]) {
  const { teams, refused } = await (await config()).loadTeamsPlaying(files);
  if (teams.length === 0 && refused[0]) throw refused[0].error;
  for (const r of refused) process.stderr.write(`arena: ${r.error.message} — team not played, the others play\n`);
  if (refused.length) process.exitCode = 2;
  return teams;
}

/** `--teams`: at least one team file. */
function teamFiles(v: string): string[] {
  const files = splitList(v);
  if (!files.length) throw new UsageError(`--teams: expected a comma-separated list of team files such as teams/red.yml,teams/blue.yml, got "${v}"`);
  return files;
}

function progressLine(p: { index: number; total: number; date: string; teams: { team: string; equity: number | null; model: string | null; ran: boolean }[] }): string {
  const width = String(p.total).length;
  const teams = p.teams.map((t) => `${t.team} ${t.equity === null ? '—' : `$${t.equity.toFixed(2)}`}`).join('  ');
  const resumed = p.teams.every((t) => !t.ran) ? ' (from journal)' : '';
  return `[${String(p.index).padStart(width)}/${p.total}] ${p.date}  ${teams}${resumed}`;
}

/** Each class team's server port, as its team file on its branch says (compose publishes them). */
async function teamPorts(teams: readonly { team: string; path: string; dir: string }[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of teams) {
    const doc = YAML.parse(await readFile(path.join(t.dir, t.path), 'utf8').catch(() => '')) as { server?: { port?: unknown } } | null;
    const port = doc?.server?.port;
    out[t.team] = typeof port === 'number' && port > 0 ? port : 8401;
  }
  return out;
}

/** A team's model registry (and its name), for the `models` commands. */
async function registryOf(teamFile: string) {
  const team = await (await config()).loadTeam(teamFile, { checkSecrets: false });
  const { ModelRegistry } = await import('../../adapters/models/registry.ts');
  const { runDirs } = await import('../../engine/context.ts');
  const { backendResolverFor } = await import('../../engine/wiring.ts');
  return { team: team.team, reg: new ModelRegistry(runDirs(team.workspaceDir).models, backendResolverFor(team)) };
}

export function buildProgram(): Command {
  const program = new Command('arena')
    .description('paper-arena: paper-trading bots with a model lifecycle, red vs blue')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('season')
    .description('replay every team\'s daily cycle over history: same market, same clock')
    .requiredOption('--teams <files>', 'comma-separated team files', teamFiles)
    .option('--from <date>', 'first trading day (default: a year before --to)', isoDate('--from'))
    .option('--to <date>', 'last trading day (default: the last date every symbol has)', isoDate('--to'))
    .option('--data-dir <dir>', 'directory of SYMBOL.csv files used instead of each team\'s data source')
    .option('--out <dir>', 'reports directory', 'reports')
    .option('--no-version', 'do not version the season state with DVC + git')
    .option('--sequential', 'play the teams one after another in this process (default: each team in a worker process, same results)')
    .option('--quiet', 'no per-day progress')
    .action(async (o: { teams: string[]; from?: string; to?: string; dataDir?: string; out: string; version: boolean; sequential?: boolean; quiet?: boolean }) => {
      const teams = await playingTeams(o.teams);
      const { runSeason } = await import('../../engine/season.ts');
      await whileNotSignalled(async (signal, logger) => {
        const t0 = performance.now();
        const result = await runSeason({
          teams,
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
          ...(o.dataDir ? { dataDir: path.resolve(o.dataDir) } : {}),
          out: path.resolve(o.out),
          logger,
          signal,
          version: o.version,
          parallel: !o.sequential,
          onDay: o.quiet ? undefined : (p) => process.stderr.write(progressLine(p) + '\n'),
        });
        process.stdout.write(`\nSeason ${result.id}: ${result.from} .. ${result.to} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n\n`);
        process.stdout.write(formatLeaderboard(result.leaderboard) + '\n\n');
        for (const v of result.versioning) process.stdout.write(`${v.team}: ${v.commit ? `versioned as commit ${v.commit.slice(0, 10)}` : 'not versioned'}${v.notes.length ? ` (${v.notes.join('; ')})` : ''}\n`);
        process.stdout.write(`Reports: ${path.join(o.out, 'index.html')}, ${path.join(o.out, 'leaderboard.html')}, ${path.join(o.out, 'leaderboard.json')}\n`);
        for (const f of result.failures) process.stdout.write(`${f.team}: FAILED ${f.date ? `on ${f.date}` : 'to start'}: ${f.error} (its row stops there; fix it and run the season again: it resumes from the journal)\n`);
        // 1 for a team that failed while playing, unless a refused team file already set 2.
        if (result.failures.length) process.exitCode ||= 1;
      });
    });

  program
    .command('compete')
    .description('the shared exchange and one daemon process per team on an accelerated replay clock; a live leaderboard; same result as `arena season`')
    .option('--teams <files>', 'comma-separated team files', teamFiles)
    .option('--class <repo>', 'a class repository (arena class init): every team plays from its branch and follows it (a URL needs GIT_TOKEN in .env.secrets)')
    .option('--secrets <file>', 'with --class: the class secrets file holding the key pairs (default: beside the repository, <name>.env.secrets)')
    .option('--config <file>', "with --teams: the coordinator's competition.yml (its notify section)")
    .option('--from <date>', 'first trading day (default: a year before --to)', isoDate('--from'))
    .option('--to <date>', 'last trading day (default: the last date every symbol has)', isoDate('--to'))
    .option('--out <dir>', 'reports directory', 'reports')
    .addOption(new Option('--seconds-per-day <s>', 'real seconds per trading day, at least (the clock also waits for every team)').default(2).argParser((v) => nonNegative('--seconds-per-day', v)))
    .addOption(new Option('--refresh-every <days>', 'rewrite the leaderboard every N trading days').default(1).argParser((v) => positiveInt('--refresh-every', v)))
    .addOption(new Option('--port <port>', "the live leaderboard's port (default: any free one)").default(0).argParser((v) => parsePort(v)))
    .option('--host <host>', "the live leaderboard's host", '127.0.0.1')
    .option('--no-live', 'no live leaderboard server')
    .option('--keep-serving', 'after the last day, keep the live leaderboard up until Ctrl-C')
    .option('--quiet', 'no per-day progress')
    .action(async (o: { teams?: string[]; class?: string; secrets?: string; config?: string; from?: string; to?: string; out: string; secondsPerDay: number; refreshEvery: number; port: number; host: string; live: boolean; keepServing?: boolean; quiet?: boolean }) => {
      if (!o.teams === !o.class) throw new UsageError('--teams, --class: expected exactly one of them');
      if (o.secrets && !o.class) throw new UsageError('--secrets: expected only with --class');
      if (o.config && !o.teams) throw new UsageError('--config: expected only with --teams (a class has its competition.yml on main)');
      const { loadEnv } = await import('../../config/env.ts');
      const env = loadEnv({ cwd: process.cwd() });
      const { runCompetition } = await import('../compete/compete.ts');
      let teams: Awaited<ReturnType<typeof playingTeams>>;
      let extra: Partial<Parameters<typeof runCompetition>[0]> = {};
      if (o.class) {
        const { loadClassTeams } = await import('../class/class-teams.ts');
        const { classKey, readClassKeys } = await import('../class/class-repo.ts');
        const { defaultSecretsFile } = await import('../class/class-init.ts');
        const c = await loadClassTeams(o.class, { env, workspaces: path.resolve('workspaces') });
        if (c.teams.length === 0 && c.refused[0]) throw c.refused[0].error;
        for (const r of c.refused) process.stderr.write(`arena: ${r.error.message} — team ${r.team} not played, the others play\n`);
        if (c.refused.length) process.exitCode = 2;
        teams = c.teams;
        const secretsFile = o.secrets ?? (/^[a-z][a-z0-9+.-]*:\/\//i.test(o.class) ? null : defaultSecretsFile(o.class));
        if (!secretsFile) throw new UsageError('--secrets: expected the class secrets file (the key pairs arena class init wrote) for a class repository given by URL');
        const branches = Object.fromEntries(c.cls.teams.map((t) => [t.team, { branch: t.branch, path: t.path }]));
        extra = {
          follow: { repo: c.cls.remote, branches, rulesText: c.cls.rulesText, key: classKey(c.cls.remote) },
          keys: readClassKeys(secretsFile, teams.map((t) => t.team)),
          ...(c.cls.config.universe ? { universe: c.cls.config.universe } : {}),
          name: c.cls.config.name,
          ...(c.cls.config.notify ? { notify: { config: c.cls.config.notify, secrets: env, display: 'competition.yml on main' } } : {}),
        };
      } else {
        teams = await playingTeams(o.teams as string[]);
        if (o.config) {
          const { parseCompetition } = await import('../../config/competition.ts');
          const text = await readFile(path.resolve(o.config), 'utf8').catch(() => {
            throw new UsageError(`--config: cannot read ${o.config}; expected a competition.yml`);
          });
          const cfg = parseCompetition(text, o.config);
          extra = { name: cfg.name, ...(cfg.notify ? { notify: { config: cfg.notify, secrets: env, display: o.config } } : {}) };
        }
      }
      await whileNotSignalled(async (signal, logger) => {
        const t0 = performance.now();
        let printed = false;
        const print = (r: Awaited<ReturnType<typeof runCompetition>>) => {
          printed = true;
          process.stdout.write(`\nCompetition ${r.id}: ${r.from} .. ${r.to} (${((performance.now() - t0) / 1000).toFixed(1)} s; daemon restarts: ${Object.entries(r.restarts).map(([t, n]) => `${t} ${n}`).join(', ')})\n\n`);
          process.stdout.write(formatLeaderboard(r.leaderboard) + '\n\n');
          process.stdout.write(`Reports: ${path.join(o.out, 'index.html')}, ${path.join(o.out, 'leaderboard.html')}, ${path.join(o.out, 'leaderboard.json')}; state: ${r.stateDir}\n`);
        };
        const r = await runCompetition({
          teams,
          teamFiles: teams.map((t) => path.resolve(t.root, t.file)),
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
          out: path.resolve(o.out),
          logger,
          signal,
          secondsPerDay: o.secondsPerDay,
          refreshEveryDays: o.refreshEvery,
          live: o.live ? { host: o.host, port: o.port } : false,
          onLive: (url) => process.stderr.write(`live leaderboard: ${url}\n`),
          ...(o.keepServing ? { keepServing: true } : {}),
          onFinished: print,
          ...extra,
          onDay: o.quiet ? undefined : (p) => process.stderr.write(progressLine({ ...p, teams: p.teams.map((t) => ({ ...t, model: null, ran: true })) }) + '\n'),
        });
        if (!printed) print(r);
      });
    });

  const classCmd = program.command('class').description('a class of teams on git branches');
  classCmd
    .command('init')
    .description('create a class repository: main with the rules (competition.yml), one branch per team from the template, the key pairs in a secrets file beside it (never committed)')
    .requiredOption('--teams <n>', 'number of teams', (v) => positiveInt('--teams', v))
    .requiredOption('--template <file>', 'the team file every team starts from (e.g. teams/red.yml)')
    .requiredOption('--repo <path>', 'the bare git repository to create (e.g. class.git); push it to your git host, or use it where it is')
    .option('--names <list>', 'comma-separated team names (default team-01 … team-NN)', splitList)
    .option('--secrets <file>', 'where the key pairs go (default: beside the repository, <name>.env.secrets)')
    .option('--name <name>', "the class's name (live leaderboard, notifications)")
    .action(async (o: { teams: number; template: string; repo: string; names?: string[]; secrets?: string; name?: string }) => {
      const template = await (await config()).loadTeam(o.template, { checkSecrets: false });
      const { initClass } = await import('../class/class-init.ts');
      const r = await initClass({ template, templateFile: template.file, teams: o.teams, repo: o.repo, ...(o.names ? { names: o.names } : {}), ...(o.secrets ? { secretsFile: o.secrets } : {}), ...(o.name ? { name: o.name } : {}) });
      process.stdout.write(
        [
          `Class repository ${r.repo} (bare): main (competition.yml, README.md), ${r.teams.length} team branches`,
          ...r.teams.map((t) => `  ${t.branch.padEnd(12)} ${t.path}  port ${t.port}  ${t.commit.slice(0, 7)}`),
          `Key pairs: ${r.secretsFile} (mode 600; never commit it; add it to the coordinator's .env.secrets for compose or Kubernetes)`,
          `Next: npx arena compete --class ${o.repo}`,
        ].join('\n') + '\n',
      );
    });
  classCmd
    .command('compose')
    .description('a docker compose file for the class: the exchange, MinIO and one container per team following its branch')
    .requiredOption('--class <repo>', 'the class repository (read for its teams)')
    .option('--repo-url <url>', 'the URL the containers fetch the class from (default: --class)')
    .option('--image <image>', 'the paper-arena image', 'paper-arena:latest')
    .option('--env-file <file>', 'the secrets file the containers read (the class key pairs, GIT_TOKEN, MinIO keys), relative to the compose file', '.env.secrets')
    .action(async (o: { class: string; repoUrl?: string; image: string; envFile: string }) => {
      const { loadEnv } = await import('../../config/env.ts');
      const { openClass } = await import('../class/class-repo.ts');
      const cls = await openClass(o.class, { env: loadEnv({ cwd: process.cwd() }), cacheDir: path.resolve('workspaces', 'class') });
      const { classComposeYaml } = await import('../deploy/compose.ts');
      const teams = cls.teams.map((t) => ({ team: t.team, branch: t.branch, path: t.path }));
      process.stdout.write(classComposeYaml({ repoUrl: o.repoUrl ?? cls.remote, teams, ports: await teamPorts(cls.teams), image: o.image, envFile: o.envFile, name: cls.config.name }));
    });

  program
    .command('k8s')
    .description('Kubernetes manifests from the team files (or a class: each daemon follows its branch): a StatefulSet + volume + Service per team, the exchange; secrets by reference')
    .option('--teams <files>', 'comma-separated team files', teamFiles)
    .option('--class <repo>', 'a class repository (arena class init): one daemon per team following its branch')
    .option('--repo-url <url>', 'with --class: the URL the daemons fetch the class from (default: --class); GIT_TOKEN comes from the Secret')
    .option('--image <image>', 'the paper-arena image', K8S_DEFAULTS.image)
    .option('--namespace <ns>', 'namespace', K8S_DEFAULTS.namespace)
    .option('--secret <name>', 'the Secret made from .env.secrets (kubectl create secret generic NAME --from-env-file=.env.secrets)', K8S_DEFAULTS.secretName)
    .option('--storage <size>', 'workspace volume per team', K8S_DEFAULTS.storage)
    .action(async (o: { teams?: string[]; class?: string; repoUrl?: string; image: string; namespace: string; secret: string; storage: string }) => {
      if (!o.teams === !o.class) throw new UsageError('--teams, --class: expected exactly one of them');
      const { k8sManifests } = await import('../deploy/k8s.ts');
      const opts = { image: o.image, namespace: o.namespace, secretName: o.secret, storage: o.storage };
      let docs: ReturnType<typeof k8sManifests>;
      if (o.class) {
        const { loadEnv } = await import('../../config/env.ts');
        const { loadClassTeams } = await import('../class/class-teams.ts');
        const c = await loadClassTeams(o.class, { env: loadEnv({ cwd: process.cwd() }), workspaces: path.resolve('workspaces') });
        if (c.refused[0]) throw c.refused[0].error;
        const branches = Object.fromEntries(c.cls.teams.map((t) => [t.team, { branch: t.branch, path: t.path }]));
        docs = k8sManifests(c.teams, c.teams.map((t) => t.file), { ...opts, follow: { repo: o.repoUrl ?? c.cls.remote, branches, rulesBranch: 'main' } });
      } else {
        const teams = await (await config()).loadTeams(o.teams as string[], { checkSecrets: false });
        docs = k8sManifests(teams, o.teams as string[], opts);
      }
      process.stdout.write(docs.map((d) => YAML.stringify(d)).join('---\n'));
    });

  program
    .command('cycle')
    .description('one daily cycle now (or for --date); idempotent per team and date')
    .requiredOption('--team <file>', 'team file')
    .option('--date <date>', 'cycle date (default: the latest trading day whose after-close time has passed)', isoDate('--date'))
    .option('--out <dir>', 'reports directory', 'reports')
    .action(async (o: { team: string; date?: string; out: string }) => {
      const team = await (await config()).loadTeam(o.team);
      const { runOneCycle } = await import('./cycle-command.ts');
      const r = await runOneCycle(team, { ...(o.date ? { date: o.date } : {}), out: path.resolve(o.out) });
      process.stdout.write(r.summary + '\n');
    });

  program
    .command('run')
    .description('the long-running daemon: cycles on the NYSE calendar, HTTP API, clean stop on SIGTERM; follows its team file on a git branch with --config-repo')
    .option('--team <file>', 'team file (or --config-repo to follow one on a git branch)')
    .option('--config-repo <url|path>', 'follow the team file on a branch of this git repository: fetched before each cycle, a valid change adopted, an invalid one rejected with the reason (GIT_TOKEN from .env.secrets for an https remote)')
    .option('--branch <name>', 'the branch to follow (with --config-repo)')
    .option('--path <file>', 'the team file on the branch (default teams/<branch>.yml)')
    .option('--rules <file>', "the competition's rules a team may not change (competition.yml: pinned fields, symbols universe), e.g. the coordinator's copy")
    .option('--rules-branch <name>', 'read the rules from competition.yml on this branch of the config repository (e.g. main)')
    .option('--out <dir>', 'reports directory', 'reports')
    .addOption(new Option('--port <port>', 'HTTP port (default: server.port of the team file)').argParser((v) => parsePort(v)))
    .option('--host <host>', 'HTTP host (default: server.host of the team file; 0.0.0.0 in a container)')
    .option('--workspace <dir>', 'the team workspace (default: workspace of the team file; following a branch: workspaces/<team file name>)')
    .option('--exchange <url>', 'trade on this Alpaca-compatible exchange (paper) and follow its market clock (/v2/clock): how `arena compete` runs a team')
    .option('--first-day <date>', 'never run a cycle for an earlier date (a competition\'s first day)', isoDate('--first-day'))
    .addOption(new Option('--drift-every <days>', 'compute drift every N trading days instead of daily').argParser((v) => positiveInt('--drift-every', v)))
    .action(async (o: { team?: string; configRepo?: string; branch?: string; path?: string; rules?: string; rulesBranch?: string; out: string; port?: number; host?: string; workspace?: string; exchange?: string; firstDay?: string; driftEvery?: number }) => {
      const { loadTeam } = await config();
      const { loadEnv } = await import('../../config/env.ts');
      if (!o.team === !o.configRepo) throw new UsageError('--team, --config-repo: expected exactly one of them (a team file, or a git repository and --branch to follow)');
      if (o.configRepo && !o.branch) throw new UsageError('--branch: expected the branch to follow in --config-repo');
      if (!o.configRepo && (o.branch || o.path || o.rules || o.rulesBranch)) throw new UsageError('--branch, --path, --rules, --rules-branch: expected only with --config-repo');
      if (o.rules && o.rulesBranch) throw new UsageError('--rules, --rules-branch: expected one of them');
      let exchangeUrl: string | null = null;
      if (o.exchange) {
        exchangeUrl = o.exchange.replace(/\/$/, '');
        if (!/^https?:\/\/[^/]+$/.test(exchangeUrl)) throw new UsageError(`--exchange: expected a base URL like http://127.0.0.1:8490, got ${o.exchange}`);
      }
      type Team = Awaited<ReturnType<typeof loadTeam>>;
      /** The daemon's own settings over a team file: its workspace, and the exchange as its broker. */
      const adapt = (workspace: string | null) => (t: Team): Team => {
        let x = workspace ? { ...t, workspaceDir: workspace } : t;
        if (exchangeUrl) x = { ...x, broker: { ...x.broker, kind: 'alpaca', live: false } };
        return x;
      };
      let team: Team;
      let env: ReturnType<typeof loadEnv>;
      let follow: ConfigFollower | undefined;
      if (o.configRepo) {
        // The secrets are the project's (the working directory's .env.secrets), never the repository's.
        env = loadEnv({ cwd: process.cwd() });
        const file = o.path ?? `teams/${o.branch}.yml`;
        const workspace = path.resolve(o.workspace ?? path.join('workspaces', path.basename(file).replace(/\.ya?ml$/, '')));
        const { ConfigFollower } = await import('../../engine/config-follow.ts');
        const logger = createLogger({ stderr: true });
        try {
          follow = await ConfigFollower.start({
            repo: o.configRepo,
            branch: o.branch as string,
            path: file,
            ...(o.rules ? { rules: { file: path.resolve(o.rules) } } : o.rulesBranch ? { rules: { branch: o.rulesBranch, path: 'competition.yml' } } : {}),
            stateDir: path.join(workspace, 'state', 'config-repo'),
            workspaceDir: workspace,
            adapt: adapt(workspace),
            env,
            logger,
          });
        } finally {
          await closeLogger(logger);
        }
        team = follow.team;
      } else {
        const loaded = await loadTeam(o.team as string);
        env = loadEnv({ cwd: loaded.root });
        team = adapt(o.workspace ? path.resolve(o.workspace) : null)(loaded);
      }
      let clock: Clock | undefined;
      if (exchangeUrl) {
        // The exchange is the team's broker and data host: handed on as endpoints, never written to the environment.
        env = env.withEndpoints({ alpacaTrading: exchangeUrl, alpacaData: exchangeUrl });
        const { alpacaBrokerFor } = await import('../../engine/wiring.ts');
        const { FollowedClock } = await import('../../adapters/clock.ts');
        const broker = await alpacaBrokerFor(team, env, '--exchange');
        clock = await FollowedClock.start(async () => DateTime.fromISO((await broker.clock()).timestamp, { setZone: true }));
      }
      // The daemon's HTTP stack (fastify, prom-client) is loaded only by the command that serves it.
      const { runDaemon } = await import('./run-command.ts');
      await runDaemon(team, {
        env,
        out: path.resolve(o.out),
        ...(follow ? { follow } : {}),
        ...(o.port !== undefined ? { port: o.port } : {}),
        ...(o.host ? { host: o.host } : {}),
        ...(clock ? { clock } : {}),
        ...(o.firstDay ? { firstDay: o.firstDay } : {}),
        ...(o.driftEvery ? { driftEveryTradingDays: o.driftEvery } : {}),
      });
    });

  program
    .command('doctor')
    .description('check config, secrets, data source, broker, MinIO, DVC, git, MLflow; one line per check with the fix')
    .requiredOption('--team <file>', 'team file')
    .action(async (o: { team: string }) => {
      const { runDoctor } = await import('./doctor.ts');
      const ok = await runDoctor(o.team, (line) => process.stdout.write(line + '\n'));
      if (!ok) process.exitCode = 1;
    });

  program
    .command('features')
    .description('write the feature matrix the model sees, one row per date')
    .requiredOption('--team <file>', 'team file')
    .requiredOption('--symbol <symbol>', 'symbol')
    .option('--data-dir <dir>', 'directory of SYMBOL.csv files instead of the team\'s data source')
    .requiredOption('--out <file>', 'output CSV')
    .action(async (o: { team: string; symbol: string; dataDir?: string; out: string }) => {
      const team = await (await config()).loadTeam(o.team, { checkSecrets: false });
      const { CsvMarketData } = await csvMarket();
      const { marketFor } = await import('../../engine/wiring.ts');
      const { loadEnv } = await import('../../config/env.ts');
      const { teamFeatureMatrix } = await import('./features-command.ts');
      const { featureMatrixCsv } = await import('../../domain/features/matrix.ts');
      // The same source and the same builder as a cycle, so Alpha Vantage indicator columns are here too.
      const logger = createLogger({ stderr: true, console: false });
      try {
        const source = o.dataDir ? new CsvMarketData(path.resolve(o.dataDir)) : await marketFor(team, loadEnv({ cwd: team.root }), logger);
        const asOf = DateTime.now().setZone('America/New_York').toISODate() as string;
        const { plan, rows, stale } = await teamFeatureMatrix(team, o.symbol.toUpperCase(), source, asOf);
        await writeFileAtomic(path.resolve(o.out), featureMatrixCsv(rows, plan.columns));
        process.stdout.write(`${o.out}: ${rows.length} rows × ${plan.columns.length} features${plan.dropped.length ? ` (dropped: ${plan.dropped.map((d) => d.feature).join(', ')})` : ''}${stale.length ? `; stale: ${stale.join('; ')}` : ''}\n`);
      } finally {
        await closeLogger(logger);
      }
    });

  program
    .command('drift')
    .description('drift report between two CSV tables (per-column test, score, verdict; dataset verdict)')
    .requiredOption('--reference <file>', 'reference CSV')
    .requiredOption('--current <file>', 'current CSV')
    .requiredOption('--out <file>', 'output JSON')
    .action(async (o: { reference: string; current: string; out: string }) => {
      const { datasetDrift, readCsvTable } = await import('../../domain/monitoring/drift/index.ts');
      const read = async (f: string) => {
        const text = await readFile(f, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new UsageError(`${f}: cannot read (${err.code ?? err.message}); expected a CSV file`);
        });
        try {
          return readCsvTable(text, f);
        } catch (err) {
          throw new UsageError(errorMessage(err));
        }
      };
      const current = await read(o.current);
      // Column types follow Evidently's rule on the current file's pandas dtypes.
      const report = datasetDrift((await read(o.reference)).table, current.table, { emptyColumns: 'skip', dtypes: current.dtypes });
      await writeFileAtomic(path.resolve(o.out), JSON.stringify(report, null, 2) + '\n');
      process.stdout.write(`${o.out}: dataset drift ${report.dataset_drift} (${report.number_of_drifted_columns}/${report.number_of_columns} columns drifted)\n`);
    });

  program
    .command('exchange')
    .description('the local Alpaca-compatible paper exchange: trading API v2 and daily bars, one account per key pair')
    .option('--port <port>', 'port (0 = any free one)', '8490')
    .option('--host <host>', 'host', '127.0.0.1')
    .option('--data-dir <dir>', 'directory of SYMBOL.csv files (default: the bundled data)')
    .option('--accounts <file>', 'JSON list of allowed key pairs: [{"key_id","secret_key","name"?}] (default: any key pair opens an account)')
    .option('--state <dir>', 'where account ledgers are kept', 'workspaces/exchange')
    .option('--replay-from <date>', 'run a replay clock starting at this date (advance it with POST /__admin/clock {"to": ISO} and ARENA_ADMIN_TOKEN); default: the wall clock', isoDate('--replay-from'))
    .option('--starting-cash <usd>', 'cash of every new account', '100000')
    .option('--slippage-bps <bps>', 'slippage of every fill, against the trader', '5')
    .option('--commission-per-share <usd>', 'commission per share', '0')
    .option('--commission-min <usd>', 'minimum commission per fill (when the per-share commission is not 0)', '0')
    .option('--margin-multiplier <m>', 'buying-power multiplier, 1 (cash account) to 4', '1')
    .action(async (o: { port: string; host: string; dataDir?: string; accounts?: string; state: string; replayFrom?: string; startingCash: string; slippageBps: string; commissionPerShare: string; commissionMin: string; marginMultiplier: string }) => {
      const port = parsePort(o.port);
      const startingCash = nonNegative('--starting-cash', o.startingCash);
      if (!(startingCash > 0)) throw new UsageError(`--starting-cash: expected a number > 0, got "${o.startingCash}"`);
      const marginMultiplier = nonNegative('--margin-multiplier', o.marginMultiplier);
      if (marginMultiplier < 1 || marginMultiplier > 4) throw new UsageError(`--margin-multiplier: expected a number from 1 to 4, got "${o.marginMultiplier}"`);
      const terms = { startingCash, slippageBps: nonNegative('--slippage-bps', o.slippageBps), commissionPerShare: nonNegative('--commission-per-share', o.commissionPerShare), commissionMin: nonNegative('--commission-min', o.commissionMin), marginMultiplier };
      const { CsvMarketData, sampleMarketData } = await csvMarket();
      const { readAccountsFile, startAlpacaExchange } = await import('../../sim/alpaca/server.ts');
      const { InMemoryMarketData } = await import('../../adapters/market/memory.ts');
      const { ReplayClock, WallClock, nyDateTime } = await import('../../adapters/clock.ts');
      const src = o.dataDir ? new CsvMarketData(path.resolve(o.dataDir)) : sampleMarketData();
      const series = new Map<string, Bar[]>();
      for (const sym of await src.knownSymbols()) series.set(sym, (await src.daily({ symbol: sym, asOf: '9999-12-31' })).bars);
      let accounts: Awaited<ReturnType<typeof readAccountsFile>> | undefined;
      if (o.accounts) {
        try {
          accounts = await readAccountsFile(o.accounts);
        } catch (err) {
          throw new UsageError(`${o.accounts}: expected a JSON list of {"key_id","secret_key","name"?}; the terms (cash, fees) are the exchange's flags, the same for every account (${errorMessage(err).split('\n')[0]})`);
        }
      }
      // The admin token is read here (the CLI layer) and handed to the server; without it /__admin/* is refused.
      const adminToken = processVariable('ARENA_ADMIN_TOKEN') || undefined;
      const clock = o.replayFrom ? new ReplayClock({ start: nyDateTime(o.replayFrom, '00:00') }) : new WallClock();
      const ex = await startAlpacaExchange({ market: new InMemoryMarketData(o.dataDir ? 'csv' : 'sample', series), clock, stateDir: path.resolve(o.state), port, host: o.host, terms, ...(accounts ? { accounts } : {}), ...(adminToken ? { adminToken } : {}) });
      process.stdout.write(
        `Alpaca-compatible exchange on ${ex.url} (${clock.kind} clock at ${clock.now().toISO() ?? '?'}, ${series.size} symbols); set ALPACA_TRADING_URL=${ex.url} ALPACA_DATA_URL=${ex.url}; ` +
          `admin endpoints ${adminToken ? 'enabled (Authorization: Bearer $ARENA_ADMIN_TOKEN)' : 'disabled (set ARENA_ADMIN_TOKEN to enable them)'}; Ctrl-C stops it\n`,
      );
      await untilSignal();
      await ex.close();
    });

  program
    .command('alphavantage-emulator')
    .description('a local Alpha Vantage (/query: TIME_SERIES_DAILY, RSI, EMA, SMA, MACD, BBANDS) with switchable faults')
    .option('--port <port>', 'port (0 = any free one)', '8480')
    .option('--host <host>', 'host', '127.0.0.1')
    .option('--data-dir <dir>', 'directory of SYMBOL.csv files (default: the bundled data)')
    .option('--as-of <date>', 'serve bars up to this date (default: today)', isoDate('--as-of'))
    .addOption(new Option('--fault <mode>', 'start with this fault active').choices([...FAULT_MODES]))
    .option('--api-key <key>', 'accept only this key (default: any non-empty key)')
    .action(async (o: { port: string; host: string; dataDir?: string; asOf?: string; fault?: FaultMode; apiKey?: string }) => {
      const port = parsePort(o.port);
      const { CsvMarketData, sampleMarketData } = await csvMarket();
      const { startAlphaVantageEmulator } = await import('../../sim/alphavantage/index.ts');
      const emu = await startAlphaVantageEmulator({
        data: o.dataDir ? new CsvMarketData(path.resolve(o.dataDir)) : sampleMarketData(),
        port,
        host: o.host,
        ...(o.asOf ? { asOf: o.asOf } : {}),
        ...(o.fault ? { fault: o.fault } : {}),
        ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      });
      process.stdout.write(`Alpha Vantage emulator on ${emu.url} (as of ${emu.asOf}); set ALPHAVANTAGE_BASE_URL=${emu.url}\nfaults: POST ${emu.origin}/__admin/faults {"mode":"rate_limit","count":2}; Ctrl-C stops it\n`);
      await untilSignal();
      await emu.close();
    });

  program
    .command('lineage')
    .description('an order back to its prediction, model version, data snapshot and git commit')
    .argument('<order_id>', 'order id or client_order_id')
    .option('--team <file>', 'team file')
    .option('--workspace <dir>', 'the team workspace (instead of, or over, the team file\'s; e.g. a competition\'s workspaces/competitions/<id>/<team>)')
    .option('--verify', 're-run the prediction from the workspace files and compare (needs --team)')
    .option('--json', 'print the chain as JSON')
    .action(async (orderId: string, o: { team?: string; workspace?: string; verify?: boolean; json?: boolean }) => {
      if (!o.team && (!o.workspace || o.verify)) throw new UsageError(`--team: expected a team file${o.verify ? ' (--verify re-runs its model)' : ' or --workspace'}`);
      const team = o.team ? await (await config()).loadTeam(o.team, { checkSecrets: false }) : null;
      const workspace = o.workspace ? path.resolve(o.workspace) : (team?.workspaceDir as string);
      const { lineageOf, reproducePrediction } = await import('../lineage/lineage.ts');
      const { backendResolverFor } = await import('../../engine/wiring.ts');
      const l = await lineageOf(workspace, orderId);
      let reproduced: number | null = null;
      if (o.verify && l.prediction && team) reproduced = await reproducePrediction(workspace, l.prediction, backendResolverFor(team));
      if (o.json) {
        process.stdout.write(JSON.stringify({ ...l, ...(o.verify ? { reproduced } : {}) }, null, 2) + '\n');
      } else {
        const p = l.prediction;
        process.stdout.write(
          [
            `order      ${l.order.order_id ?? '(not submitted)'} ${l.order.client_order_id}: ${l.order.side} ${l.order.qty} ${l.order.symbol} (${l.order.status}) on ${l.team_date}`,
            `why        ${l.order.reason}`,
            `prediction ${p ? `${p.id} = ${p.value}` : 'none'}`,
            `model      ${l.model.version ?? 'none'} (${l.model.dir ?? '-'})${Object.entries(l.model.files_md5).map(([f, m]) => `\n             ${f} md5 ${m}`).join('')}`,
            `data       version ${l.data.version ?? '-'}; DVC ${Object.entries(l.data.md5).map(([k, v]) => `${k} ${v}`).join(', ') || 'not versioned'}`,
            `config     ${l.config ? `${l.config.commit.slice(0, 12)} (${l.config.path} on ${l.config.branch} of ${l.config.repo})` : 'the team file (not following a branch)'}`,
            `commit     ${l.commit ?? 'none (not versioned)'}${l.commit ? (l.pushed ? ' (data pushed to the DVC remote)' : ' (data not pushed: no DVC remote, or the push is pending)') : ''}`,
            ...(o.verify ? [`verify     ${reproduced === null ? 'no prediction to reproduce' : `reproduced ${reproduced}: ${p && reproduced === p.value ? 'identical' : 'DIFFERENT'}`}`] : []),
          ].join('\n') + '\n',
        );
      }
      if (o.verify && l.prediction && reproduced !== l.prediction.value) process.exitCode = 1;
    });

  program
    .command('retrain')
    .description('train a candidate now and run the gate (the cycle of --date, default the due day); if that cycle already ran its model step, the next cycle retrains')
    .requiredOption('--team <file>', 'team file')
    .option('--date <date>', 'cycle date (default: the latest trading day whose after-close time has passed)', isoDate('--date'))
    .option('--out <dir>', 'reports directory', 'reports')
    .action(async (o: { team: string; date?: string; out: string }) => {
      const team = await (await config()).loadTeam(o.team);
      const { runRetrain } = await import('./retrain-command.ts');
      process.stdout.write((await runRetrain(team, { ...(o.date ? { date: o.date } : {}), out: path.resolve(o.out) })).summary + '\n');
    });

  const models = program.command('models').description('the team\'s model registry');
  models
    .command('list')
    .requiredOption('--team <file>', 'team file')
    .action(async (o: { team: string }) => {
      const { reg } = await registryOf(o.team);
      const list = await reg.list();
      if (list.length === 0) process.stdout.write('no model versions yet (run `arena cycle`)\n');
      for (const v of list) process.stdout.write(`${v.version}  ${v.status.padEnd(16)} trained for ${v.card?.trained_for ?? '?'}  ${v.note ?? ''}\n`);
    });
  models
    .command('approve')
    .argument('<version>', 'a pending_approval version')
    .requiredOption('--team <file>', 'team file')
    .action(async (version: string, o: { team: string }) => {
      const { reg, team } = await registryOf(o.team);
      if ((await reg.status(version)) === null) throw new UsageError(`version: unknown model version "${version}"; see \`arena models list --team ${o.team}\``);
      await reg.approve(version, new Date().toISOString());
      process.stdout.write(`${version} is now the champion of ${team}\n`);
    });

  return program;
}

/** Maps an error to its exit code and one line (plus a hint) on stderr; never prints a secret. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  const usage = err instanceof UsageError || err instanceof ConfigError || err instanceof MissingSecretError;
  const inner = err instanceof StepFailed && err.cause instanceof ArenaError ? err.cause : null;
  const msg = redact(errorMessage(err));
  process.stderr.write(`arena: ${msg}\n`);
  const hint = (err instanceof ArenaError ? err.hint : undefined) ?? inner?.hint;
  if (hint) process.stderr.write(`  what to do: ${redact(hint)}\n`);
  if (!usage && processVariable('ARENA_DEBUG') && err instanceof Error && err.stack) process.stderr.write(redact(err.stack) + '\n');
  return usage ? 2 : 1;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/apps/cli/main.ts')) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
