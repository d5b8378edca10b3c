/**
 * The start-up failures an operator meets, said in one line that names what to change: a port already
 * taken, a database that cannot be reached. Pure functions of the error (and the URL), so they are tested
 * with the errors node and pg really throw.
 */

const CONNECT_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused — is the server running and listening there?',
  ENOTFOUND: 'host not found (DNS lookup failed)',
  EAI_AGAIN: 'host lookup failed for now (DNS temporarily unavailable)',
  ETIMEDOUT: 'timed out — is a firewall or network policy dropping the connection?',
  EHOSTUNREACH: 'host unreachable (no route)',
  ENETUNREACH: 'network unreachable (no route)',
  ECONNRESET: 'the connection was reset — does the port speak PostgreSQL, and is TLS (sslmode) right?',
  // SQLSTATEs a server answers before any query runs.
  '57P03': 'the server is starting up or shutting down',
};

function codeChain(error: unknown): { code?: string; message: string }[] {
  const chain: { code?: string; message: string }[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    chain.push({ ...(typeof code === 'string' ? { code } : {}), message: current.message });
    current = current.cause;
  }
  return chain;
}

/**
 * `cannot connect to PostgreSQL at HOST:PORT (DATABASE_URL): CAUSE` when `error` is a failure to connect
 * or log in; null for anything else (a failing query is not a connection problem). Never shows the password.
 */
export function describeDatabaseFailure(databaseUrl: string, error: unknown): string | null {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return null;
  }
  const user = decodeURIComponent(url.username) || 'the default user';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const where = `PostgreSQL at ${host}:${url.port || '5432'} (DATABASE_URL)`;
  for (const { code, message } of codeChain(error)) {
    if (code && CONNECT_CAUSES[code]) return `cannot connect to ${where}: ${CONNECT_CAUSES[code]}`;
    if (code === '28P01' || code === '28000') {
      const what =
        code === '28P01'
          ? `password authentication failed for user "${user}"`
          : `the server refused user "${user}" (${message})`;
      return `cannot connect to ${where}: ${what}`;
    }
    if (code === '3D000') return `cannot connect to ${where}: database "${database}" does not exist`;
    if (/timeout exceeded when trying to connect/i.test(message))
      return `cannot connect to ${where}: ${CONNECT_CAUSES.ETIMEDOUT}`;
    if (/Connection terminated unexpectedly/i.test(message))
      return `cannot connect to ${where}: the server closed the connection — is it starting up, or is TLS (sslmode) required?`;
  }
  return null;
}

/** `port N is already in use …; set PORT` for EADDRINUSE (and EACCES on a privileged port); else null. */
export function describeListenFailure(port: number, error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return `port ${port} is already in use (another aiops-bot or another program listens there); stop it or set PORT to a free port`;
  if (code === 'EACCES')
    return `port ${port} needs privileges this process does not have; set PORT to a port above 1023`;
  if (code === 'EADDRNOTAVAIL')
    return `cannot listen on port ${port}: the address is not available on this host`;
  return null;
}
