/** `conductor human update`: save the form's fields without completing (a draft). */
import { formHandler } from './form.js';

export const run = formHandler(false);
