/**
 * A class repository read by its organiser (`arena compete --class`, `arena k8s --class`): the rules
 * and the team list from `competition.yml` on `main`, each team's branch head checked out on its own
 * (as its daemon will load it), and the class's key pairs from its secrets file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { parseCompetition, type CompetitionConfig } from '../../config/competition.ts';
import type { Env } from '../../config/env.ts';
import { teamSecretName } from '../../config/secrets.ts';
import { ArenaError, UsageError } from '../../core/errors.ts';
import { registerSecretValue } from '../../core/redact.ts';
import { ConfigRepo, isUrl } from '../../adapters/git-config/config-repo.ts';

export const CLASS_RULES_FILE = 'competition.yml';
export const CLASS_RULES_BRANCH = 'main';

export interface ClassTeam {
  team: string;
  branch: string;
  path: string;
  /** The branch head now, and its checkout. */
  head: string;
  dir: string;
}

export interface OpenedClass {
  /** As given (a path is made absolute). */
  remote: string;
  /** For logs: credentials removed. */
  shown: string;
  config: CompetitionConfig;
  rulesText: string;
  mainCommit: string;
  teams: ClassTeam[];
}

/** A stable short name for a class repository (its mirror's folder, its competitions' ids). */
export const classKey = (remote: string): string => createHash('sha256').update(isUrl(remote) ? remote : path.resolve(remote)).digest('hex').slice(0, 10);

export async function openClass(remote: string, o: { env: Env; cacheDir: string }): Promise<OpenedClass> {
  const abs = isUrl(remote) ? remote : path.resolve(remote);
  const token = o.env.get('GIT_TOKEN');
  const repo = await ConfigRepo.open({ remote: abs, dir: path.join(o.cacheDir, classKey(abs)), childEnv: o.env.childEnv(), ...(token ? { token } : {}) });
  try {
    await repo.fetch([CLASS_RULES_BRANCH]);
  } catch (err) {
    throw new ArenaError(`--class: cannot read ${repo.shownRemote}: ${(err as Error).message}`, { hint: 'expected a class repository made by `arena class init` (a path, or a URL with GIT_TOKEN in .env.secrets)' });
  }
  const mainCommit = await repo.head(CLASS_RULES_BRANCH);
  const rulesText = mainCommit ? await repo.show(mainCommit, CLASS_RULES_FILE) : null;
  if (!mainCommit || rulesText === null) throw new UsageError(`--class: ${repo.shownRemote} has no ${CLASS_RULES_FILE} on ${CLASS_RULES_BRANCH}; expected a class repository made by \`arena class init\``);
  const config = parseCompetition(rulesText, `${CLASS_RULES_FILE} on ${CLASS_RULES_BRANCH}`);
  if (!config.teams.length) throw new UsageError(`--class: ${CLASS_RULES_FILE} on ${CLASS_RULES_BRANCH} lists no teams`);
  const heads = await repo.fetch(config.teams.map((t) => t.branch));
  const teams: ClassTeam[] = [];
  for (const t of config.teams) {
    const head = heads.get(t.branch);
    if (!head) throw new UsageError(`--class: no branch "${t.branch}" for team ${t.team} in ${repo.shownRemote}`);
    teams.push({ ...t, head, dir: await repo.checkout(head) });
  }
  return { remote: abs, shown: repo.shownRemote, config, rulesText, mainCommit, teams };
}

/** Each team's exchange key pair from a class's secrets file (dotenv, as `arena class init` wrote it). */
export function readClassKeys(file: string, teams: readonly string[]): Record<string, { key_id: string; secret_key: string }> {
  let values: Record<string, string>;
  try {
    values = dotenv.parse(readFileSync(file));
  } catch (err) {
    throw new UsageError(`--secrets: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected the class's secrets file made by \`arena class init\``);
  }
  const out: Record<string, { key_id: string; secret_key: string }> = {};
  for (const team of teams) {
    const idName = teamSecretName('ALPACA_KEY_ID', team);
    const secretName = teamSecretName('ALPACA_SECRET_KEY', team);
    const key_id = values[idName];
    const secret_key = values[secretName];
    if (!key_id || !secret_key) throw new UsageError(`--secrets: ${file} has no ${!key_id ? idName : secretName} for team ${team}`);
    registerSecretValue(secret_key);
    out[team] = { key_id, secret_key };
  }
  return out;
}
