/**
 * Starts a real `redis-server` for a test, on a free loopback port, with no persistence.
 *
 * @module
 */

/** A running `redis-server` child process. */
export interface RedisServer extends AsyncDisposable {
  /** The loopback port it listens on. */
  readonly port: number;
  /** A token store spec for database `db` (default 0) of this server. */
  spec(db?: number): string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

const MISSING = "redis-server is not installed: install the Debian package redis-server " +
  "(apt-get install -y redis-server, or run .ci/install-deps.sh)";

/**
 * Starts `redis-server` on 127.0.0.1 and resolves once it answers PING. Fails (never skips) when the
 * binary is missing.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = freePort();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(MISSING);
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
      await child.status;
    })();
    return stopped;
  };
  try {
    await waitForPong(port, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    spec: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function waitForPong(port: number, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server exited before listening on port ${port}`);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(new TextEncoder().encode("PING\r\n"));
        const buffer = new Uint8Array(64);
        const n = await conn.read(buffer);
        if (n !== null && new TextDecoder().decode(buffer.subarray(0, n)).startsWith("+PONG")) return;
      } finally {
        conn.close();
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within 10 s`);
}
