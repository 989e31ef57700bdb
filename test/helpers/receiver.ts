/**
 * A local webhook receiver (node:http) for `--notify` tests: records every POSTed `{"text": …}` and answers as
 * told: 200, a status, or never (the connection is held open until the receiver closes).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Answer = "ok" | "never" | number;

export interface Receiver {
  url: string;
  /** The texts received, in order. */
  texts: string[];
  /** Requests that arrived (answered or not). */
  hits: number;
  answer: Answer;
  close(): Promise<void>;
}

export async function startReceiver(answer: Answer = "ok"): Promise<Receiver> {
  const held = new Set<ServerResponse>();
  const receiver: Receiver = { url: "", texts: [], hits: 0, answer, close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => {
      receiver.hits++;
      try {
        const parsed = JSON.parse(body) as { text?: unknown };
        if (typeof parsed.text === "string" && req.headers["content-type"] === "application/json") {
          receiver.texts.push(parsed.text);
        }
      } catch {
        // not JSON: counted as a hit only
      }
      if (receiver.answer === "never") {
        held.add(res);
        return;
      }
      res.statusCode = receiver.answer === "ok" ? 200 : receiver.answer;
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://localhost:${port}/hooks/T000/B000/secret-part`;
  receiver.close = async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** Received texts about `what` ("waits for approval", "failed (", a run end's " failed after"). */
export function received(r: Receiver, what: string | RegExp): string[] {
  return r.texts.filter((t) => (typeof what === "string" ? t.includes(what) : what.test(t)));
}
