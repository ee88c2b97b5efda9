/** A team workspace's folders (the daemon's, a season's and a competition's team alike). */
import path from 'node:path';

export interface RunDirs {
  root: string;
  data: string;
  features: string;
  models: string;
  predictions: string;
  reports: string;
  runs: string;
  state: string;
  lineage: string;
  logs: string;
}

export function runDirs(root: string): RunDirs {
  return {
    root,
    data: path.join(root, 'data'),
    features: path.join(root, 'features'),
    models: path.join(root, 'models'),
    predictions: path.join(root, 'predictions'),
    reports: path.join(root, 'reports'),
    runs: path.join(root, 'runs'),
    state: path.join(root, 'state'),
    lineage: path.join(root, 'lineage'),
    logs: path.join(root, 'logs'),
  };
}

/** A workspace's journal of completed steps (the daemon's, a season's and a competition's team alike). */
export const journalFile = (dirs: Pick<RunDirs, 'state'>): string => path.join(dirs.state, 'journal.jsonl');
