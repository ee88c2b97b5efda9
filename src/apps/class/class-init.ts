/**
 * `arena class init`: a class of N teams in one git repository, as the projects this one replaces ran
 * a competition (one branch per team where the team edits its YAML, the rules apart). The repository
 * is created **bare** (it is what the teams clone and push to, and what the daemons fetch; nobody
 * works inside it): branch `main` holds the rules (`competition.yml`: the teams and their branches,
 * the pinned fields, the symbols universe) and a README; branch `<team>` adds the team's file made
 * from the template (its name and port set), the built-in strategy files, and the template's plug-in
 * folder copied as the team's own. Each team's exchange key pair goes to a secrets file beside the
 * repository (dotenv, mode 600) that is in no commit, and that each branch's `.gitignore` names.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { pinsFromTemplate, type CompetitionConfig } from '../../config/competition.ts';
import { processEnvironment } from '../../config/env.ts';
import { knownSymbols, type TeamConfig } from '../../config/load.ts';
import type { TeamPlugins } from '../../config/plugins.ts';
import { teamSecretName } from '../../config/secrets.ts';
import { UsageError } from '../../core/errors.ts';
import { PACKAGE_ROOT } from '../../core/paths.ts';

export interface ClassInitOptions {
  /** The template team, loaded and validated. */
  template: TeamConfig;
  /** Its file as given (relative to the template's root). */
  templateFile: string;
  teams: number;
  /** Team names (default team-01 … team-NN). */
  names?: string[];
  /** The bare repository to create. */
  repo: string;
  /** The secrets file (default: beside the repository, `<name>.env.secrets`). */
  secretsFile?: string;
  /** Class name in competition.yml. */
  name?: string;
}

export interface ClassInitResult {
  repo: string;
  secretsFile: string;
  teams: { team: string; branch: string; path: string; port: number; commit: string }[];
  mainCommit: string;
}

/** Where a class's key pairs go when not told: beside the repository, never inside it. */
export function defaultSecretsFile(repo: string): string {
  const abs = path.resolve(repo);
  return path.join(path.dirname(abs), `${path.basename(abs).replace(/\.git$/, '')}.env.secrets`);
}

const GITIGNORE = `# Secrets never go into the class repository: key pairs and webhook URLs live in .env.secrets.
.env.secrets
*.env.secrets
.env
workspaces/
reports/
node_modules/
`;

function readme(name: string, teams: readonly { team: string; branch: string; path: string }[], templateFile: string): string {
  return `# ${name}

A paper-arena class: one branch per team, the rules on \`main\`.

- Your team's branch is yours: edit \`teams/<team>.yml\` (features, model, lifecycle, strategy parameters, your
  plug-in modules in \`teams/<team>/\`) and push. Before each trading day your daemon fetches the branch: a valid
  change is adopted from that day on ("config changed at abc1234: model.trainer.epochs 25 → 40"); an invalid one is
  rejected with the reason (file, field, expected) on your daemon's \`/health\`, in \`reports/<team>/config.html\`
  and in your notifications, and your team keeps trading on its last good config.
- \`competition.yml\` (this branch) pins what no team may change: the exchange's terms (starting cash, fees,
  slippage, broker), the data source, the benchmark, and the symbols universe. Changing a pinned field is rejected.
- Secrets (exchange key pairs, webhook URLs) are never committed: the organiser keeps them in a \`.env.secrets\` file.

Teams (made from \`${templateFile}\`):

${teams.map((t) => `- \`${t.team}\`: branch \`${t.branch}\`, file \`${t.path}\``).join('\n')}

The organiser runs the competition with \`npx arena compete --class <this repository>\`.
`;
}

function git(args: string[], cwd?: string): string {
  const env = { ...processEnvironment(), GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'paper-arena', GIT_AUTHOR_EMAIL: 'paper-arena@localhost', GIT_COMMITTER_NAME: 'paper-arena', GIT_COMMITTER_EMAIL: 'paper-arena@localhost' };
  return execFileSync('git', args, { ...(cwd ? { cwd } : {}), env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The template file with the team's name and port, its plug-in paths moved to the team's folder, no workspace. */
function teamYaml(text: string, team: string, port: number, moved: ReadonlyMap<string, string>): string {
  const doc = YAML.parseDocument(text);
  doc.set('team', team);
  doc.setIn(['server', 'port'], port);
  doc.delete('workspace');
  YAML.visit(doc, {
    Scalar(_key, node) {
      const value = node.value;
      if (typeof value !== 'string') return;
      for (const [from, to] of moved) {
        const bare = value.replace(/^\.\//, '');
        if (bare === from || bare.startsWith(`${from}/`)) node.value = `${value.startsWith('./') ? './' : ''}${to}${bare.slice(from.length)}`;
      }
    },
  });
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

/**
 * The template's plug-in folders (teams/green/…), relative to its project root, each copied into every
 * team's branch as the team's own. A module outside the project, or at its root (its folder would be the
 * whole project), has no folder of its own to copy: refused.
 */
export function pluginFolders(template: Pick<TeamConfig, 'root'> & { plugins: Pick<TeamPlugins, 'modules'> }): string[] {
  const dirs = new Set<string>();
  for (const m of template.plugins.modules) {
    const d = path.relative(template.root, path.dirname(m.file)).split(path.sep).join('/');
    if (d === '..' || d.startsWith('../') || path.isAbsolute(d)) throw new UsageError(`--template: its plug-in folder ${d} is outside the project; expected it under teams/`);
    if (d === '') throw new UsageError(`--template: its plug-in module ${path.basename(m.file)} (${m.field}) is at the project root, so its folder would be the whole project; expected it in a folder of its own under teams/ (e.g. teams/green/)`);
    dirs.add(d);
  }
  return [...dirs];
}

export async function initClass(o: ClassInitOptions): Promise<ClassInitResult> {
  if (!Number.isInteger(o.teams) || o.teams < 1 || o.teams > 200) throw new UsageError(`--teams: expected 1 to 200 teams, got ${o.teams}`);
  const names = o.names ?? Array.from({ length: o.teams }, (_, i) => `team-${String(i + 1).padStart(2, '0')}`);
  if (names.length !== o.teams) throw new UsageError(`--names: expected ${o.teams} names, got ${names.length}`);
  for (const n of names) if (!/^[a-z][a-z0-9-]{0,30}$/.test(n)) throw new UsageError(`--names: expected lower-case names such as red, got "${n}"`);
  if (new Set(names).size !== names.length) throw new UsageError('--names: expected each name once');
  const repo = path.resolve(o.repo);
  if (existsSync(repo) && (await readdir(repo)).length > 0) throw new UsageError(`--repo: ${o.repo} exists and is not empty; expected a new repository path`);
  const secretsFile = path.resolve(o.secretsFile ?? defaultSecretsFile(repo));
  if (secretsFile.startsWith(repo + path.sep)) throw new UsageError('--secrets: expected a file outside the repository');
  if (existsSync(secretsFile)) throw new UsageError(`--secrets: ${secretsFile} exists; it holds another class's key pairs (move it away to make a new class)`);

  const t = o.template;
  const root = t.root;
  const pluginDirs = pluginFolders(t);
  const templateText = await readFile(path.resolve(root, o.templateFile), 'utf8');
  const basePort = t.server.port > 0 ? t.server.port : 8401;
  const teams = names.map((team, i) => ({ team, branch: team, path: `teams/${team}.yml`, port: basePort + i }));
  const universe = knownSymbols(t, root)?.symbols ?? [...new Set([...t.symbols, t.data.benchmark])].sort();
  const competition: CompetitionConfig = {
    name: o.name ?? `paper-arena class of ${o.teams}`,
    teams: teams.map(({ team, branch, path: p }) => ({ team, branch, path: p })),
    pinned: pinsFromTemplate(t as unknown as { broker: Record<string, unknown>; data: Record<string, unknown> }),
    universe,
  };

  await mkdir(repo, { recursive: true });
  git(['init', '--bare', '--quiet', '--initial-branch=main', repo]);
  const work = mkdtempSync(path.join(tmpdir(), 'arena-class-'));
  try {
    git(['init', '--quiet', '--initial-branch=main', work]);
    await writeFile(path.join(work, 'competition.yml'), `# The rules of the class, read by the coordinator (arena compete --class); teams cannot change them from their branches.\n${YAML.stringify(competition)}`);
    await writeFile(path.join(work, 'README.md'), readme(competition.name, teams, o.templateFile));
    await writeFile(path.join(work, '.gitignore'), GITIGNORE);
    await writeFile(path.join(work, 'package.json'), '{ "private": true, "type": "module" }\n');
    git(['add', '-A'], work);
    git(['commit', '--quiet', '-m', `class: ${competition.name} (${o.teams} teams, rules in competition.yml)`], work);
    const mainCommit = git(['rev-parse', 'HEAD'], work).trim();
    git(['push', '--quiet', repo, 'main:main'], work);

    const out: ClassInitResult['teams'] = [];
    for (const team of teams) {
      git(['checkout', '--quiet', '-B', team.branch, mainCommit], work);
      // Every built-in strategy file, so a team can switch by editing one line.
      await cp(path.join(PACKAGE_ROOT, 'strategies'), path.join(work, 'strategies'), { recursive: true });
      const strategyRel = path.relative(root, t.strategyFile).split(path.sep).join('/');
      if (!strategyRel.startsWith('..') && t.strategyFile.endsWith('.yml') && !existsSync(path.join(work, strategyRel))) {
        await mkdir(path.dirname(path.join(work, strategyRel)), { recursive: true });
        await cp(t.strategyFile, path.join(work, strategyRel));
      }
      const moved = new Map<string, string>();
      for (const [i, d] of pluginDirs.entries()) {
        const to = pluginDirs.length === 1 ? `teams/${team.team}` : `teams/${team.team}/${path.basename(d) || String(i)}`;
        moved.set(d, to);
        await cp(path.join(root, d), path.join(work, to), { recursive: true });
      }
      await mkdir(path.join(work, 'teams'), { recursive: true });
      await writeFile(path.join(work, team.path), teamYaml(templateText, team.team, team.port, moved));
      git(['add', '-A'], work);
      git(['commit', '--quiet', '-m', `${team.team}: team file from ${o.templateFile}`], work);
      const commit = git(['rev-parse', 'HEAD'], work).trim();
      git(['push', '--quiet', repo, `${team.branch}:${team.branch}`], work);
      await rm(path.join(work, 'strategies'), { recursive: true, force: true });
      await rm(path.join(work, 'teams'), { recursive: true, force: true });
      out.push({ ...team, commit });
    }

    // The key pairs: the exchange accounts of the class; in no commit, mode 600.
    const lines = [`# ${competition.name}: each team's key pair on the class's exchange. Never commit this file.`, `# Made by arena class init for ${repo}.`];
    for (const team of teams) {
      lines.push(`${teamSecretName('ALPACA_KEY_ID', team.team)}=PK${randomBytes(9).toString('hex').toUpperCase()}`);
      lines.push(`${teamSecretName('ALPACA_SECRET_KEY', team.team)}=${randomBytes(24).toString('base64url')}`);
    }
    await mkdir(path.dirname(secretsFile), { recursive: true });
    await writeFile(secretsFile, lines.join('\n') + '\n', { mode: 0o600 });
    await chmod(secretsFile, 0o600);
    return { repo, secretsFile, teams: out, mainCommit };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
