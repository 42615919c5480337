/** `taskctl help exit-codes` and `taskctl help environment`: reference text, no code. */

export const EXIT_CODES = `Exit codes

  0    success
  1    the API answered with an error not covered below (4xx/5xx)
  2    usage or input error: bad flag, bad JSON, invalid id, schema violation — nothing was sent
  3    configuration error: no config, unknown profile, missing credential, profile of the wrong provider
  4    authentication or permission refused (401/403)
  5    not found (404)
  6    network, timeout or TLS failure
  7    partial failure: some items of a multi-id command failed (summary on stderr, per-item results in --json)
  130  interrupted (Ctrl-C), or a prompt cancelled with Ctrl-C or Esc
  143  terminated (SIGTERM)

When every id of a multi-id command fails, the exit code is that failure's class (e.g. 5 when all
were not found; 1 when the classes differ).
`;

export const ENVIRONMENT = `Environment variables

  TASKCTL_PROFILE        profile to use when --profile is not given (ignored by trees of another provider)
  TASKCTL_CONFIG         config file to use instead of searching (like --config)
  TASKCTL_TIMEOUT        --timeout when not given: deadline of each request attempt, in ms (default 30000)
  TASKCTL_RETRIES        --retries when not given (default 3)
  TASKCTL_CONCURRENCY    --concurrency when not given (default 8)
  TASKCTL_CA             --ca when not given: a PEM CA trusted in addition to the system store
  XDG_CONFIG_HOME        user config lives in $XDG_CONFIG_HOME/taskctl/config.yaml (default ~/.config)
  XDG_CACHE_HOME         token cache lives in $XDG_CACHE_HOME/taskctl/ (default ~/.cache)
  NO_COLOR               any value: no ANSI colour
  FORCE_COLOR            colour even without a terminal (--no-color wins)
  CI                     when set, taskctl never prompts
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY   proxies for outgoing requests

  These work without any config file and override the selected profile field by field:
  OPENHIM_URL, OPENHIM_USERNAME, OPENHIM_PASSWORD, OPENHIM_AUTH (basic|token|session|auto)
  CONDUCTOR_SERVER_URL, CONDUCTOR_AUTH_KEY, CONDUCTOR_AUTH_SECRET
  CLOSE_URL, CLOSE_API_KEY
  SPAAZA_URL, SPAAZA_TOKEN_ID, SPAAZA_TOKEN_SECRET, SPAAZA_CHAIN
`;

export const TOPICS: Record<string, string> = {
  'exit-codes': EXIT_CODES,
  environment: ENVIRONMENT,
};
