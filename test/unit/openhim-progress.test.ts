import { describe, expect, it } from 'vitest';
import {
  SETTLE_POLLS,
  assess,
  countProgress,
  executionTimeMs,
  fingerprint,
  itemOutcome,
  outcomeText,
  planStatusChange,
  progressText,
} from '../../src/providers/openhim/progress.js';

const item = (tstatus: string, rerunStatus?: string) => ({ tid: 'x', tstatus, ...(rerunStatus ? { rerunStatus } : {}) });

describe('itemOutcome: success is judged by rerunStatus, not tstatus', () => {
  it('classifies every documented combination', () => {
    expect(itemOutcome(item('Completed', 'Successful'))).toBe('succeeded');
    expect(itemOutcome(item('Completed', 'Completed'))).toBe('succeeded');
    expect(itemOutcome(item('Completed', 'Failed'))).toBe('failed'); // tstatus Completed for any HTTP answer
    expect(itemOutcome(item('Completed', 'Completed with error(s)'))).toBe('failed');
    expect(itemOutcome(item('Failed'))).toBe('failed'); // could not be sent
    expect(itemOutcome(item('Queued', 'Successful'))).toBe('succeeded'); // 7.1+: tstatus frozen at Queued
    expect(itemOutcome(item('Queued', 'Pending Async'))).toBe('running');
    expect(itemOutcome(item('Queued', 'Processing'))).toBe('running');
    expect(itemOutcome(item('Queued'))).toBe('pending');
    expect(itemOutcome(item('Completed'))).toBe('unknown');
    expect(itemOutcome(item('Completed', 'Weird'))).toBe('unknown');
  });
});

describe('countProgress', () => {
  it('progress = items rerun (rerunStatus set, or failed to send) / totalTransactions, whatever remainingTransactions says', () => {
    const items = [item('Queued', 'Successful'), item('Queued', 'Failed'), item('Queued', 'Processing'), item('Queued'), item('Queued')];
    const c = countProgress({ totalTransactions: 5 }, items);
    expect(c).toMatchObject({ total: 5, done: 3, succeeded: 1, failed: 1, running: 1, pending: 2, inFlight: 3 });
    expect(progressText(c)).toBe('3/5 (60%)');
    expect(outcomeText(c)).toBe('1 successful, 1 failed, 1 running');
  });

  it('4.0.5 mid-run: finalised items (tstatus Completed) are not in flight', () => {
    const c = countProgress({ totalTransactions: 3 }, [item('Completed', 'Successful'), item('Queued'), item('Queued')]);
    expect(c).toMatchObject({ done: 1, inFlight: 0, pending: 2 });
  });

  it('an empty task is complete at 100%', () => {
    const c = countProgress({ totalTransactions: 0 }, []);
    expect(progressText(c)).toBe('0/0 (100%)');
    expect(assess('Completed', c)).toMatchObject({ final: true, outcome: 'succeeded' });
  });
});

describe('assess: processor-aware phases', () => {
  const counts = (items: ReturnType<typeof item>[], total = items.length) => countProgress({ totalTransactions: total }, items);

  it('Completed with every rerun successful succeeds; with any failure it fails', () => {
    expect(assess('Completed', counts([item('Completed', 'Successful'), item('Completed', 'Completed')]))).toEqual({ phase: 'completed', final: true, outcome: 'succeeded' });
    expect(assess('Completed', counts([item('Completed', 'Successful'), item('Failed')])).outcome).toBe('failed');
    expect(assess('Completed', counts([item('Completed', 'Successful'), item('Completed', 'Completed with error(s)')])).outcome).toBe('failed');
    expect(assess('Completed', counts([item('Completed', 'Successful'), item('Completed')])).outcome).toBe('failed');
  });

  it('4.0.5 between rounds reads Queued: running once some rerun is recorded, queued before', () => {
    expect(assess('Queued', counts([item('Completed', 'Successful'), item('Queued')]))).toMatchObject({ phase: 'running', final: false });
    expect(assess('Queued', counts([item('Queued'), item('Queued')]))).toMatchObject({ phase: 'queued', final: false });
  });

  it('Pending Async and Processing are not finished; Paused waits', () => {
    expect(assess('Pending Async', counts([item('Completed', 'Pending Async')])).final).toBe(false);
    expect(assess('Processing', counts([item('Queued')])).final).toBe(false);
    expect(assess('Paused', counts([item('Queued')]))).toMatchObject({ phase: 'paused', final: false });
  });

  it('7.1+ Cancelled with reruns arriving is still running until nothing changes for SETTLE_POLLS polls', () => {
    const c = counts([item('Queued', 'Successful'), item('Queued')]);
    expect(assess('Cancelled', c, 0)).toMatchObject({ phase: 'cancelling', final: false });
    expect(assess('Cancelled', c, SETTLE_POLLS - 1).final).toBe(false);
    expect(assess('Cancelled', c, SETTLE_POLLS)).toEqual({ phase: 'cancelled', final: true, outcome: 'cancelled' });
  });

  it('4.0.5 Cancelled (finalised items only) is final at once', () => {
    expect(assess('Cancelled', counts([item('Completed', 'Successful'), item('Queued')]), 0)).toMatchObject({ final: true, outcome: 'cancelled' });
    expect(assess('Cancelled', counts([item('Queued')]), 0)).toMatchObject({ final: true, outcome: 'cancelled' });
  });

  it('Completed with reruns still Processing settles before it is judged', () => {
    const c = counts([item('Completed', 'Successful'), item('Completed', 'Processing')]);
    expect(assess('Completed', c, 0)).toMatchObject({ phase: 'finishing', final: false });
    expect(assess('Completed', c, SETTLE_POLLS)).toMatchObject({ final: true, outcome: 'failed' });
  });

  it('a status the processor never runs (PUT stores anything) ends the watch', () => {
    expect(assess('Bogus', counts([item('Queued')]))).toMatchObject({ phase: 'stopped', final: true, outcome: 'stopped' });
  });

  it('fingerprint changes with status or counts only', () => {
    const a = counts([item('Queued', 'Successful'), item('Queued')]);
    const b = counts([item('Queued', 'Successful'), item('Queued', 'Successful')]);
    expect(fingerprint('Processing', a)).toBe(fingerprint('Processing', counts([item('Queued', 'Successful'), item('Queued')])));
    expect(fingerprint('Processing', a)).not.toBe(fingerprint('Processing', b));
    expect(fingerprint('Processing', a)).not.toBe(fingerprint('Cancelled', a));
  });
});

describe('executionTimeMs', () => {
  const NOW = Date.parse('2024-06-10T12:00:00Z');
  it('completedDate − created once completed; time so far while queued or running; nothing for a paused task', () => {
    expect(executionTimeMs({ status: 'Completed', created: '2024-06-10T11:00:00Z', completedDate: '2024-06-10T11:00:42Z' }, NOW)).toBe(42_000);
    expect(executionTimeMs({ status: 'Processing', created: '2024-06-10T11:59:00Z' }, NOW)).toBe(60_000);
    expect(executionTimeMs({ status: 'Paused', created: '2024-06-10T11:59:00Z' }, NOW)).toBeNull();
    expect(executionTimeMs({ status: 'Completed' }, NOW)).toBeNull();
  });
});

describe('planStatusChange: the state machine the server does not have', () => {
  const t = (status: string, remaining = 3, total = 3) => ({ status, remainingTransactions: remaining, totalTransactions: total });

  it('pause: sends for Queued/Processing, no-op when Paused, refuses Completed/Cancelled', () => {
    expect(planStatusChange('pause', t('Queued'))).toEqual({ send: true });
    expect(planStatusChange('pause', t('Processing'))).toMatchObject({ send: true, warning: 'pause-running' });
    expect(planStatusChange('pause', t('Paused'))).toEqual({ send: false, note: 'already Paused' });
    expect(planStatusChange('pause', t('Completed')).refuse).toMatch(/task is Completed and cannot be paused/);
    expect(planStatusChange('pause', t('Cancelled')).send).toBe(false);
  });

  it('resume: warns when a 7.1+ task paused mid-run will rerun what already ran', () => {
    expect(planStatusChange('resume', t('Paused'))).toEqual({ send: true });
    const plan = planStatusChange('resume', t('Paused'), 2);
    expect(plan).toMatchObject({ send: true, warning: 'resume-rerun' });
    expect(plan.note).toContain('2 of 3 already rerun');
    expect(planStatusChange('resume', t('Queued'))).toEqual({ send: false, note: 'already Queued' });
    expect(planStatusChange('resume', t('Cancelled')).refuse).toMatch(/cannot be resumed/);
  });

  it('cancel: warns that a Processing task finishes anyway; no-op when Cancelled; refuses Completed', () => {
    expect(planStatusChange('cancel', t('Paused'))).toEqual({ send: true });
    expect(planStatusChange('cancel', t('Processing'))).toMatchObject({ send: true, warning: 'cancel-running' });
    expect(planStatusChange('cancel', t('Cancelled'))).toEqual({ send: false, note: 'already Cancelled' });
    expect(planStatusChange('cancel', t('Completed')).refuse).toMatch(/cannot be cancelled/);
  });
});
