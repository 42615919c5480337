/**
 * Registers zod's English messages ("Invalid option: expected one of …", "Too small: …"). The classic
 * `zod` build does this on its first schema; `zod/mini` does not, so the config and provider schemas (written with
 * `zod/mini` to keep the classic API out of every start-up) import this first to keep the same messages.
 * Only the English locale is loaded, and an explicitly configured locale is left alone, as classic does.
 */
import { config, globalConfig } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

// named imports only: `z.core.globalConfig` would pull zod's whole core namespace, every locale included
if (!globalConfig.localeError) config(en());
// zod compiles object parsers with new Function() on first use, which pays off after many parses; a
// command parses a handful of objects once, so the interpreted path is faster end to end.
config({ jitless: true });
