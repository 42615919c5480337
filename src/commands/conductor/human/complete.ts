/** `conductor human complete`: save the form's fields and complete the task(s). */
import { formHandler } from './form.js';

export const run = formHandler(true);
