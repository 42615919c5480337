/** close: the values some fields take; zod-free, so command declarations (help, completion) can use them. */

/** Task types from the Close docs (§4); `_type=all` lists every one of them. */
export const TASK_TYPES = [
  'lead',
  'incoming_email',
  'email_followup',
  'missed_call',
  'answered_detached_call',
  'voicemail',
  'opportunity_due',
  'incoming_sms',
  'outgoing_call',
] as const;
export const PRIORITIES = ['high', 'medium'] as const;
export const RESOLUTIONS = ['abandoned', 'skipped'] as const;
