/** `model.search.space` is checked when the team file loads: a bad path is one line naming the field. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTeam } from './load.ts';
import { ConfigError } from '../core/errors.ts';
import { REPO_ROOT } from '../testing/services.ts';

async function load(search: string): Promise<unknown> {
  const root = mkdtempSync(path.join(tmpdir(), 'arena-search-'));
  cpSync(path.join(REPO_ROOT, 'strategies'), path.join(root, 'strategies'), { recursive: true });
  const red = readFileSync(path.join(REPO_ROOT, 'teams', 'red.yml'), 'utf8').replace('  seed: 7\n', `  seed: 7\n  search:\n${search}`);
  writeFileSync(path.join(root, 'red.yml'), red);
  try {
    return await loadTeam('red.yml', { root, checkSecrets: false });
  } catch (err) {
    return err;
  }
}

describe('model.search at config load', () => {
  it('accepts valid paths and ranges', async () => {
    const team = (await load("    trials: 6\n    eta: 2\n    space:\n      trainer.learning_rate: { log_uniform: [0.0001, 0.01] }\n      encoder.hidden: { choice: [[16], [32, 16]] }\n      trainer.batch_size: { int: [32, 256] }\n")) as { model: { search: { trials: number; eta: number } } };
    expect(team.model.search).toMatchObject({ trials: 6, eta: 2 });
  });

  it.each([
    ['a field the encoder does not have', '      encoder.units: { int: [8, 64] }\n', /^red\.yml: model\.search\.space\.encoder\.units: expected a field of the mlp encoder: one of encoder\.engine, encoder\.hidden, encoder\.activation, encoder\.l2 \("encoder\.units" is not one\), got \{"int":\[8,64\]\}$/],
    ['a misspelt trainer field', '      trainer.lr: { uniform: [0.001, 0.01] }\n', /^red\.yml: model\.search\.space\.trainer\.lr: expected a field: one of trainer\.epochs, .*\("trainer\.lr" is not one\)/],
    ['something that may not be searched', '      output.feature: { choice: [close] }\n', /^red\.yml: model\.search\.space\.output\.feature: expected a dotted path under encoder, trainer, seed such as trainer\.learning_rate \("output" cannot be searched\)/],
    ['a range outside the field', '      trainer.learning_rate: { uniform: [0.1, 2] }\n', /^red\.yml: model\.search\.space\.trainer\.learning_rate: expected a range whose every value is valid for trainer\.learning_rate \(it can give 2: .*<=1\)/],
    ['a uniform range over an integer field', '      trainer.epochs: { uniform: [5, 20] }\n', /^red\.yml: model\.search\.space\.trainer\.epochs: expected a range whose every value is valid for trainer\.epochs \(it can give 10\.55: .*expected int/],
    ['low > high', '      trainer.batch_size: { int: [256, 32] }\n', /^red\.yml: model\.search\.space\.trainer\.batch_size: expected \[low, high\] with low ≤ high, got \{"int":\[256,32\]\}$/],
  ])('rejects %s', async (_name, line, message) => {
    const err = await load(`    trials: 4\n    space:\n${line}`);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });
});
