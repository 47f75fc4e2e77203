// WebSocket→TCP proxy that lets @neondatabase/serverless (which speaks Postgres over WebSockets)
// reach a local Postgres: ws://127.0.0.1:PORT/v2?address=host:port. Local dev and tests only.
import { connect } from "node:net";
import { WebSocketServer } from "ws";

export interface WsProxy {
  port: number;
  /** Value for DB_WS_PROXY. */
  address: string;
  close(): Promise<void>;
}

export function startWsProxy(port = 0): Promise<WsProxy> {
  return new Promise((resolvePromise, reject) => {
    const server = new WebSocketServer({ host: "127.0.0.1", port });
    server.on("error", reject);
    server.on("connection", (socket, request) => {
      const target = new URL(request.url ?? "/", "http://proxy").searchParams.get("address") ?? "";
      const [host, targetPort] = target.split(":");
      // Only loopback targets: this proxy must never become a way out of the machine.
      if (!host || !targetPort || !["127.0.0.1", "localhost", "::1"].includes(host)) {
        socket.close(1008, "loopback targets only");
        return;
      }
      const tcp = connect(Number(targetPort), host);
      tcp.setNoDelay(true);
      tcp.on("data", (chunk) => socket.readyState === socket.OPEN && socket.send(chunk));
      tcp.on("close", () => socket.close());
      tcp.on("error", () => socket.close());
      socket.on("message", (data) => tcp.write(data as Buffer));
      socket.on("close", () => tcp.destroy());
      socket.on("error", () => tcp.destroy());
    });
    server.on("listening", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      resolvePromise({
        port: bound,
        address: `127.0.0.1:${bound}`,
        close: () => new Promise((r) => {
          for (const client of server.clients) client.terminate();
          server.close(() => r());
        }),
      });
    });
  });
}
