import { statusCommand } from './set-status.js';

export const run = statusCommand('resume');
