// WebSocket→TCP proxy that lets @neondatabase/serverless (which speaks Postgres over WebSockets)
// reach a local Postgres: ws://127.0.0.1:PORT/v2?address=host:port. Local dev and tests only.
// With a FaultLink it also plays the network between a Worker and Neon: added round-trip time,
// refused connections, dropped sessions and outages (scripts/lib/faults.ts).
import { connect } from "node:net";
import { WebSocketServer } from "ws";
import { OrderedDelay, type ConnectionPolicy } from "./faults";

export interface WsProxy {
  port: number;
  /** Value for DB_WS_PROXY. */
  address: string;
  close(): Promise<void>;
}

export function startWsProxy(port = 0, link?: ConnectionPolicy): Promise<WsProxy> {
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
      if (link && !link.admit()) {
        // As an unreachable server looks to the driver: the socket closes before Postgres answers.
        socket.terminate();
        return;
      }
      // Postgres listens on 127.0.0.1 only; "localhost" may resolve to ::1 first.
      const tcp = connect(Number(targetPort), host === "localhost" ? "127.0.0.1" : host);
      tcp.setNoDelay(true);
      const halfTrip = () => (link ? link.roundTripMs() / 2 : 0);
      const toClient = new OrderedDelay(halfTrip);
      const toServer = new OrderedDelay(halfTrip);
      const untrack = link?.track(() => {
        tcp.destroy();
        socket.terminate();
      });
      tcp.on("data", (chunk) => toClient.push(() => socket.readyState === socket.OPEN && socket.send(chunk)));
      tcp.on("close", () => {
        untrack?.();
        toClient.push(() => socket.close());
      });
      tcp.on("error", () => socket.close());
      socket.on("message", (data) => toServer.push(() => tcp.writable && tcp.write(data as Buffer)));
      socket.on("close", () => {
        untrack?.();
        tcp.destroy();
      });
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
