/** spaaza: the values some fields take; zod-free, so command declarations (help, completion) can use them. */

export const EXPORT_INDEXES = ['transactions', 'users', 'vouchers', 'wallet-ledger', 'products', 'product-variants'] as const;
export const EXPORT_FORMATS = ['csv', 'json'] as const;
export const TASK_STATES = ['READY', 'INPROGRESS', 'DONE', 'ERROR'] as const;
