/**
 * A class's teams as their branch heads say now, loaded and checked as each daemon will at start
 * (the team file on its branch, its plug-ins, the class's rules). A team whose head does not pass is
 * refused with the reason, and the others play (as `arena season` and `arena compete --teams` do).
 */
import path from 'node:path';
import { checkCompetitionRules } from '../../config/competition.ts';
import type { Env } from '../../config/env.ts';
import { loadTeam, type TeamConfig } from '../../config/load.ts';
import { ConfigError } from '../../core/errors.ts';
import { CLASS_RULES_BRANCH, CLASS_RULES_FILE, openClass, type OpenedClass } from './class-repo.ts';

export interface ClassTeams {
  cls: OpenedClass;
  teams: TeamConfig[];
  refused: { team: string; error: ConfigError }[];
}

/** `workspaces` is where the teams' workspaces go (`<workspaces>/<team>`; a competition's under `<workspaces>/competitions/`). */
export async function loadClassTeams(repo: string, o: { env: Env; workspaces: string }): Promise<ClassTeams> {
  const cls = await openClass(repo, { env: o.env, cacheDir: path.join(o.workspaces, 'class') });
  const teams: TeamConfig[] = [];
  const refused: ClassTeams['refused'] = [];
  for (const t of cls.teams) {
    try {
      const team = await loadTeam(t.path, { root: t.dir, secrets: o.env, checkSecrets: false });
      if (team.team !== t.team) throw new ConfigError(team.file, 'team', `expected "${t.team}" (the name ${CLASS_RULES_FILE} gives branch ${t.branch}), got "${team.team}"`);
      checkCompetitionRules(team as unknown as { symbols: string[] } & Record<string, unknown>, cls.config, team.file, `${CLASS_RULES_FILE} on ${CLASS_RULES_BRANCH}`);
      teams.push({ ...team, workspaceDir: path.join(o.workspaces, team.team) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      refused.push({ team: t.team, error: err });
    }
  }
  return { cls, teams, refused };
}
