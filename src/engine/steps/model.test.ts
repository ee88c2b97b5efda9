import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ModelBackend } from '../../domain/models/model.ts';
import { stateBefore } from '../../testing/cycle-state.ts';
import { stepTestContext } from '../../testing/team-context.ts';
import { modelStep, retrainRequestFile } from './model.ts';

describe('model step', () => {
  it('trains the first model, gates it, registers it as champion and writes its training page', async () => {
    const { ctx, reports, at } = await stepTestContext();
    at('2017-11-08');
    const state = await stateBefore(ctx, '2017-11-08', 'model');
    const { output, record } = await modelStep.run(ctx, '2017-11-08', state, {});
    expect(output.decision).toEqual({ retrain: true, trigger: 'first_model', reason: 'no model yet' });
    expect(record.attempted).toBe(true);
    expect(output.trained?.version).toBe('v0001');
    expect(output.trained?.gate.checks.map((c) => c.name)).toContain('min_directional_accuracy');
    expect(output.trained?.status).toBe(output.trained?.gate.passed ? 'champion' : 'rejected');
    expect(reports.trainingPages).toEqual([{ version: 'v0001', status: output.trained?.status }]);
    const card = await ctx.services.registry.card('v0001');
    expect(card?.backend).toBe('js');
    expect(card?.backend_rule).toMatch(/^js dense kernel \(encoder\.engine js; \d+ weights\)$/);
  });

  it('reloads the champion on the next day (no training), and trains when asked by hand or by the request file', async () => {
    const { ctx, at } = await stepTestContext((t) => ({ ...t, lifecycle: { ...t.lifecycle, gate: { approval: 'auto' } } }));
    at('2017-11-08');
    await ctx.services.journal.record('2017-11-08', 'model', (await modelStep.run(ctx, '2017-11-08', await stateBefore(ctx, '2017-11-08', 'model'), {})).record);
    at('2017-11-09');
    const next = await modelStep.run(ctx, '2017-11-09', await stateBefore(ctx, '2017-11-09', 'model'), {});
    expect(next.output.decision.trigger).toBe('reload');
    expect(next.output.version).toBe('v0001');
    expect(next.output.trained).toBeNull();
    const byHand = await modelStep.run(ctx, '2017-11-09', await stateBefore(ctx, '2017-11-09', 'model'), { retrain: true });
    expect(byHand.output.decision).toEqual({ retrain: true, trigger: 'manual', reason: 'requested by hand' });
    expect(byHand.output.trained?.version).toBe('v0002');
    mkdirSync(ctx.dirs.state, { recursive: true });
    writeFileSync(retrainRequestFile(ctx.dirs), '{}');
    at('2017-11-10');
    const byFile = await modelStep.run(ctx, '2017-11-10', await stateBefore(ctx, '2017-11-10', 'model'), {});
    expect(byFile.output.decision.trigger).toBe('manual');
    expect(existsSync(retrainRequestFile(ctx.dirs))).toBe(false);
  });

  it("a team's own model family that fails keeps the day going: a note, no champion change, no crash", async () => {
    const failing: ModelBackend = { kind: 'broken', schema: z.object({}), fit: async () => Promise.reject(new Error('singular matrix')), load: async () => Promise.reject(new Error('never')) };
    const { ctx, at } = await stepTestContext((t) => ({ ...t, model: { ...t.model, encoder: { type: 'plugin', module: './broken.ts' } }, plugins: { ...t.plugins, model: failing } }));
    at('2017-11-08');
    const { output } = await modelStep.run(ctx, '2017-11-08', await stateBefore(ctx, '2017-11-08', 'model'), {});
    expect(output.notes).toContain('model plug-in broken failed: singular matrix');
    expect(output.version).toBeNull();
    expect(output.notes).toContain('no champion model: nothing will be traded');
  });

  it('a failing model plug-in keeps the retrain request; an abort or a failure of the daemon\'s own is not swallowed', async () => {
    const failing: ModelBackend = { kind: 'broken', schema: z.object({}), fit: async () => Promise.reject(new Error('singular matrix')), load: async () => Promise.reject(new Error('never')) };
    const { ctx, at } = await stepTestContext((t) => ({ ...t, model: { ...t.model, encoder: { type: 'plugin', module: './broken.ts' } }, plugins: { ...t.plugins, model: failing } }));
    at('2017-11-08');
    mkdirSync(ctx.dirs.state, { recursive: true });
    writeFileSync(retrainRequestFile(ctx.dirs), '{}');
    const { output } = await modelStep.run(ctx, '2017-11-08', await stateBefore(ctx, '2017-11-08', 'model'), {});
    expect(output.notes).toContain('model plug-in broken failed: singular matrix');
    // Nothing was trained: the request stays for the next model step.
    expect(existsSync(retrainRequestFile(ctx.dirs))).toBe(true);

    // A shutdown during the plug-in's fit stops the step (the journal resumes it), never a note.
    const ac = new AbortController();
    const stopped: ModelBackend = { ...failing, fit: async () => (ac.abort(), Promise.reject(new Error('interrupted'))) };
    const s = await stepTestContext((t) => ({ ...t, model: { ...t.model, encoder: { type: 'plugin', module: './stopped.ts' } }, plugins: { ...t.plugins, model: stopped } }));
    s.at('2017-11-08');
    await expect(modelStep.run({ ...s.ctx, signal: ac.signal }, '2017-11-08', await stateBefore(s.ctx, '2017-11-08', 'model'), {})).rejects.toThrow('interrupted');

    // The registry failing (a disk error) is the daemon's, not the plug-in's: the step fails.
    vi.spyOn(ctx.services.registry, 'findByKey').mockRejectedValue(new Error('EIO: i/o error, read'));
    await expect(modelStep.run(ctx, '2017-11-08', await stateBefore(ctx, '2017-11-08', 'model'), {})).rejects.toThrow('EIO: i/o error, read');
    expect(existsSync(retrainRequestFile(ctx.dirs))).toBe(true);
  });

  it('restores the journaled decision and reloads its champion', async () => {
    const { ctx, at } = await stepTestContext();
    at('2017-11-08');
    const ran = await modelStep.run(ctx, '2017-11-08', await stateBefore(ctx, '2017-11-08', 'model'), {});
    const restored = await modelStep.restore(ctx, '2017-11-08', {}, ran.record);
    expect(restored.version).toBe(ran.output.version);
    expect(restored.decision).toEqual(ran.output.decision);
    expect(restored.model?.columns).toEqual(ran.output.model?.columns);
  });
});
