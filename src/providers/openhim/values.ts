/** openhim: the values some fields take; zod-free, so command declarations (help, completion) can use them. */

/** every status a task can have (`Pending Async` from 8.3); the server stores anything on PUT */
export const TASK_STATUSES = ['Queued', 'Processing', 'Paused', 'Cancelled', 'Completed', 'Pending Async'] as const;
/** the only statuses `task update --status` sends: the documented pause / resume / cancel */
export const SETTABLE_STATUSES = ['Queued', 'Paused', 'Cancelled'] as const;
/** a task item's `tstatus` */
export const ITEM_TSTATUSES = ['Queued', 'Processing', 'Completed', 'Failed'] as const;
/** a task item's `rerunStatus`, which is the rerun transaction's status */
export const RERUN_STATUSES = ['Processing', 'Pending Async', 'Successful', 'Completed', 'Completed with error(s)', 'Failed'] as const;
