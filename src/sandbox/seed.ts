/**
 * The sandbox's seeded demo, so every tree has something to do on a fresh sandbox:
 * - OpenHIM: 6 `Failed` transactions (the upstream is back: their reruns succeed), 2 `Completed with error(s)`
 *   ones whose reruns fail again (so a rerun can be seen failing), 4 `Successful` ones, and one paused task;
 * - Conductor: pending human tasks with forms (an approval assigned to the sandbox user, an unassigned review,
 *   one in a loop with two iterations);
 * - Close: open tasks of several types (lead, incoming email, missed call, opportunity due), one complete;
 * - Spaaza: a wallet-ledger CSV export ready to run, and a JSON users export already done.
 */
import type { FakeOpenhim } from './openhim.js';
import type { FakeConductor } from './conductor.js';
import type { FakeClose } from './close.js';
import type { FakeSpaaza } from './spaaza.js';

export const SANDBOX_CHANNEL = '6b0513a686b2e93ee5443ff0';

export function seedDemo(s: { openhim: FakeOpenhim; conductor: FakeConductor; close: FakeClose; spaaza: FakeSpaaza }): void {
  const now = Date.now();
  const minutes = (n: number) => now - n * 60_000;
  const paths = ['/fhir/Patient', '/fhir/Observation', '/fhir/Encounter', '/lab/results', '/fhir/Patient', '/registry/client'];
  const failed = paths.map((p, i) => s.openhim.addTransaction({ status: 'Failed', path: p, method: 'POST', timestamp: minutes(30 + i * 7), channelID: SANDBOX_CHANNEL }));
  for (let i = 0; i < 2; i++) {
    s.openhim.addTransaction({ status: 'Completed with error(s)', path: '/shr/bundle', method: 'POST', timestamp: minutes(90 + i), channelID: SANDBOX_CHANNEL, outcome: 'Failed' });
  }
  for (let i = 0; i < 4; i++) s.openhim.addTransaction({ status: 'Successful', path: '/fhir/Patient', method: 'GET', timestamp: minutes(5 + i), channelID: SANDBOX_CHANNEL });
  s.openhim.createTask({ tids: failed.slice(0, 2), status: 'Paused', created: minutes(120) });

  const me = { user: 'sandbox-user', userType: 'CONDUCTOR_USER' as const };
  s.conductor.addTemplate({
    name: 'approval_form',
    version: 1,
    jsonSchema: { type: 'object', properties: { approved: { type: 'boolean' }, comment: { type: 'string' } }, required: ['approved'] },
  });
  s.conductor.addWorkflow({ workflowId: 'wf-expense-1001', workflowName: 'expense_approval', tasks: [{ taskType: 'HUMAN', status: 'IN_PROGRESS', referenceTaskName: 'approve' }] });
  s.conductor.addTask({ workflowId: 'wf-expense-1001', workflowName: 'expense_approval', taskRefName: 'approve', displayName: 'Approve expense #1001', definitionName: 'expense_approval_task', assignee: me, input: { amount: 420, currency: 'EUR', employee: 'Ada' }, createdOn: minutes(50) });
  s.conductor.addTask({ workflowId: 'wf-onboard-7', workflowName: 'onboarding', taskRefName: 'review', displayName: 'Review new supplier', definitionName: 'supplier_review', input: { supplier: 'Acme Ltd' }, createdOn: minutes(40) });
  for (const iteration of [0, 1]) {
    s.conductor.addTask({ workflowId: 'wf-batch-12', workflowName: 'batch_signoff', taskRefName: 'signoff', displayName: `Sign off batch, round ${iteration + 1}`, definitionName: 'batch_signoff', assignee: me, iteration, input: { batch: 12, round: iteration + 1 }, createdOn: minutes(20 - iteration) });
  }

  s.close.seed([
    { _type: 'lead', text: 'Call back about the renewal' },
    { _type: 'lead', text: 'Send the pricing sheet', priority: 'high' },
    { _type: 'incoming_email', text: '' },
    { _type: 'missed_call', text: '' },
    { _type: 'opportunity_due', text: '' },
    { _type: 'lead', text: 'Book the onboarding call', date: new Date(now + 3 * 86_400_000).toISOString().slice(0, 10) },
    { _type: 'lead', text: 'Thank the customer', is_complete: true },
  ]);

  s.spaaza.addTask({ desc: 'Wallet ledger, last 24 h (sandbox)', target: { action: 'export', export_index: 'wallet-ledger', export_format: 'csv' } });
  const done = s.spaaza.addTask({ desc: 'All users (sandbox)', target: { action: 'export', export_index: 'users', export_format: 'json' } });
  s.spaaza.setState(done.id, 'DONE');
}
