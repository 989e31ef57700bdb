import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { handleControl } from "./control.js";
import type { HttpReply, RawRequest } from "./protocol/types.js";
import type { Simulator } from "./simulator.js";

async function readRequest(req: IncomingMessage): Promise<RawRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
  return {
    method: req.method ?? "GET",
    path: url.pathname,
    rawPath: (req.url ?? "/").split("?")[0] ?? "/",
    query: url.searchParams,
    headers,
    body: bytes.toString("utf8"),
    bytes,
  };
}

export const KEEP_ALIVE_MS = 65_000;

/** One HTTP listener for every service and the /_sim/ control API. */
export async function listen(sim: Simulator, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const respond = (reply: HttpReply) => {
      // A HEAD reply states the length of the body it does not send (S3 HeadObject's Content-Length).
      const length = req.method === "HEAD" && reply.headers["content-length"] !== undefined;
      const contentLength = length ? reply.headers["content-length"]! : Buffer.byteLength(reply.body);
      res.writeHead(reply.status, { ...reply.headers, "content-length": contentLength });
      res.end(reply.body);
    };
    readRequest(req)
      .then((raw) => (raw.path.startsWith("/_sim/") ? handleControl(sim, raw) : sim.handleAws(raw)))
      .then(respond, (err: unknown) =>
        respond({ status: 500, headers: { "content-type": "text/plain" }, body: `simulator error: ${String(err)}` }),
      );
  });
  // SDK clients keep connections alive (Node's agent: keepAlive, 50 sockets, no idle timeout of its own).
  // The agent reuses a socket only when the server's `Keep-Alive: timeout=N` leaves it more than a second
  // (it drops N - 1 s to 0 and closes): at 1 s every request opened a new connection. S3 keeps idle
  // connections for about a minute; closeServer() closes idle sockets itself, so none holds close() open.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  // Must exceed keepAliveTimeout, or a reused socket can be cut while its next request's headers arrive.
  server.headersTimeout = KEEP_ALIVE_MS + 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
