// A corpus of values the bot did not choose: secrets an application or an operator left in
// objects, events, logs and alerts, and Slack control sequences. `planted` goes in; none of
// `secret` may come out, and no control sequence may come out unescaped.

export interface PlantedSecret {
  name: string;
  planted: string;
  /** Substrings that must never leave the process. */
  secret: string[];
}

export const SECRETS: PlantedSecret[] = [
  {
    name: 'double-quoted password with spaces',
    planted: 'login failed password="correct horse battery" for app',
    secret: ['correct horse battery', 'horse battery'],
  },
  {
    name: 'single-quoted password with spaces',
    planted: "db_password: 'staple tuning fork' rejected",
    secret: ['staple tuning fork', 'tuning fork'],
  },
  { name: 'env assignment', planted: 'DB_PASSWORD=hunter2pass', secret: ['hunter2pass'] },
  { name: 'password=', planted: 'auth error: password=hunter2 user=bob', secret: ['hunter2'] },
  { name: 'token=', planted: 'GET /cb?token=tok-abc-123-xyz&x=1', secret: ['tok-abc-123-xyz'] },
  {
    name: 'bearer token',
    planted: 'Authorization: Bearer abcdef0123456789tokvalue',
    secret: ['abcdef0123456789tokvalue'],
  },
  {
    name: 'basic authorization header',
    planted: 'curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA==" http://svc',
    secret: ['dXNlcjpwYXNzd29yZA=='],
  },
  {
    name: 'JWT',
    planted: 'session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyMSJ9.c2lnbmF0dXJlc2lnbmF0dXJl ok',
    secret: ['eyJzdWIiOiJ1c2VyMSJ9', 'c2lnbmF0dXJlc2lnbmF0dXJl'],
  },
  {
    name: 'AWS access key id',
    planted: 'key AKIAIOSFODNN7EXAMPLE used',
    secret: ['IOSFODNN7EXAMPLE'],
  },
  {
    name: 'AWS secret access key',
    planted: 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    secret: ['wJalrXUtnFEMI', 'bPxRfiCYEXAMPLEKEY'],
  },
  {
    name: 'GCP API key',
    planted: 'maps key AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI in config',
    secret: ['SyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI'],
  },
  {
    name: 'GCP OAuth token',
    planted: 'using ya29.a0AfH6SMBx3kq9ZexampleOAuthToken for the call',
    secret: ['a0AfH6SMBx3kq9ZexampleOAuthToken'],
  },
  {
    name: 'Azure storage connection string',
    planted:
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;EndpointSuffix=core.windows.net',
    secret: ['Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=='],
  },
  {
    name: 'Azure SAS signature',
    planted:
      'GET https://acct.blob.core.windows.net/c/b?sv=2020-08-04&sig=abcDEF123%2BsecretSig 403',
    secret: ['abcDEF123%2BsecretSig'],
  },
  {
    name: 'private key block',
    planted:
      'key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretKeyMaterial\nAAAAB3NzaC1yc2EAAAADAQAB\n-----END RSA PRIVATE KEY----- loaded',
    secret: ['MIIEowIBAAKCAQEAsecretKeyMaterial', 'AAAAB3NzaC1yc2EAAAADAQAB'],
  },
  {
    name: 'URL with user:password',
    planted: 'fetching https://admin:s3cr3tpw@example.com/x failed',
    secret: ['s3cr3tpw'],
  },
  {
    name: 'postgres connection string',
    planted: 'dial postgres://app:pg-pass-123@db:5432/app: refused',
    secret: ['pg-pass-123'],
  },
  {
    name: 'mongodb+srv connection string',
    planted: 'mongodb+srv://user:mongo-pass-9@cluster0.example.net/db?retryWrites=true',
    secret: ['mongo-pass-9'],
  },
  { name: 'redis URL', planted: 'redis://:redis-pass-7@redis:6379/0', secret: ['redis-pass-7'] },
  {
    name: 'SQL Server connection string',
    planted: 'Server=db;Database=app;User Id=sa;Password=Mssql Pass 1;Encrypt=true',
    secret: ['Mssql Pass 1', 'Pass 1'],
  },
  {
    name: 'generic *_KEY',
    planted: 'STRIPE_KEY=sk_live_51HabcdefSecret',
    secret: ['sk_live_51HabcdefSecret'],
  },
  {
    name: 'generic *_TOKEN',
    planted: 'GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    secret: ['ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
  },
  {
    name: 'generic *_SECRET with spaces',
    planted: 'SESSION_SECRET: "two little words"',
    secret: ['two little words', 'little words'],
  },
  {
    name: 'Slack bot token',
    planted: 'token xoxb-1234567890-abcdefghij leaked',
    secret: ['xoxb-1234567890-abcdefghij'],
  },
];

/** Slack control sequences: each would ping, mention or link if it reached mrkdwn unescaped. */
export const CONTROL = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0EVIL>',
  '<#C0EVIL>',
  '<!subteam^S0EVIL>',
  '<https://evil.example|click here>',
];

/** Every planted secret and control sequence in one string. */
export const ALL_HOSTILE = [...SECRETS.map((s) => s.planted), ...CONTROL].join(' \n ');

/** What leaked: planted secrets and unescaped control sequences found in `text`. */
export function leaks(text: string): string[] {
  const found: string[] = [];
  for (const s of SECRETS)
    for (const x of s.secret) if (text.includes(x)) found.push(`${s.name}: ${x}`);
  for (const c of CONTROL) if (text.includes(c)) found.push(`control: ${c}`);
  // Any `<!`, `<@` or `<http` the bot did not write itself is a control sequence.
  for (const m of text.matchAll(/<(!|#C0EVIL|@U0EVIL|https?:\/\/evil)/g))
    found.push(`control: ${m[0]}`);
  return found;
}

/** All strings inside a value (Slack payloads, audit entries, log lines). */
export function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringsOf(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stringsOf(x, out);
  return out;
}
