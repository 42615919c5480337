/** conductor: the values some fields take; zod-free, so command declarations (help, completion) can use them. */

export const HUMAN_TASK_STATES = ['PENDING', 'ASSIGNED', 'IN_PROGRESS', 'COMPLETED', 'TIMED_OUT', 'DELETED'] as const;
export const SEARCH_TYPES = ['INBOX', 'ADMIN'] as const;
