// A session pooler in front of the local Postgres, standing in for Neon's pooled endpoint (PgBouncer)
// in load runs. Without it every Worker session (a transaction, a queue batch) starts a fresh Postgres
// backend, which pays its start and a cold catalog cache for every table it touches: tens of ms of
// Postgres CPU that Neon's pooled endpoint does not charge. With it, a session borrows an
// authenticated backend that is already warm and gives it back, reset, when the client leaves.
//
// What it speaks (PostgreSQL protocol 3.0): the client's startup packet (an SSLRequest is declined),
// the password in clear text as Neon's proxy takes it (checked against the configured one), then the
// borrowed backend's greeting, then bytes both ways. A backend is reused only when its client left it
// idle outside a transaction (ReadyForQuery 'I'); `DISCARD ALL` resets it first, as PgBouncer's
// server_reset_query does. Backends authenticate with the password in clear text (`password` in
// pg_hba.conf, what bench/lib/harness.ts sets); SCRAM backends are refused with a clear error.
import { connect, createServer, type Server, type Socket } from "node:net";
import { timingSafeEqual } from "node:crypto";

export interface PoolerOptions {
  target: { host: string; port: number };
  password: string;
  /** Backends at most; clients beyond wait for one to come back (as PgBouncer's pool_size). */
  maxBackends: number;
}

export interface PgPooler {
  port: number;
  stats(): { backendsOpened: number; clientsServed: number; idle: number; busy: number; waiting: number };
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

/** Splits a stream of typed protocol messages (type byte + int32 length) into whole messages. */
class MessageReader {
  private buffered: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const messages: Buffer[] = [];
    while (this.buffered.length >= 5) {
      const length = this.buffered.readInt32BE(1) + 1;
      if (this.buffered.length < length) break;
      messages.push(this.buffered.subarray(0, length));
      this.buffered = this.buffered.subarray(length);
    }
    return messages;
  }
  rest(): Buffer {
    return this.buffered;
  }
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
};
const cstring = (text: string) => Buffer.from(`${text}\0`, "utf8");
function errorResponse(code: string, text: string): Buffer {
  return message("E", Buffer.concat([cstring("SFATAL"), cstring(`C${code}`), cstring(`M${text}`), Buffer.from([0])]));
}

/** Reads exactly one untyped packet (int32 length first): the startup packet and its relatives. */
function readStartup(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4 || buffered.length < buffered.readInt32BE(0)) return;
      socket.off("data", onData);
      const length = buffered.readInt32BE(0);
      if (buffered.length > length) socket.unshift(buffered.subarray(length));
      resolve(buffered.subarray(0, length));
    };
    socket.on("data", onData);
    socket.once("close", () => reject(new Error("client left during startup")));
  });
}

/** Reads typed messages until `done` says stop; what follows stays unread on the socket. */
function readUntil(socket: Socket, done: (m: Buffer) => boolean): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const reader = new MessageReader();
    const seen: Buffer[] = [];
    const onClose = () => reject(new Error("connection closed"));
    const onData = (chunk: Buffer) => {
      const messages = reader.push(chunk);
      const end = messages.findIndex(done);
      if (end < 0) {
        seen.push(...messages);
        return;
      }
      seen.push(...messages.slice(0, end + 1));
      socket.off("data", onData);
      socket.off("close", onClose);
      const rest = Buffer.concat([...messages.slice(end + 1), reader.rest()]);
      if (rest.length) socket.unshift(rest);
      resolve(seen);
    };
    socket.on("data", onData);
    socket.once("close", onClose);
  });
}

interface Backend {
  socket: Socket;
  /** ParameterStatus, BackendKeyData and ReadyForQuery as the server sent them after authentication. */
  greeting: Buffer;
}

export function startPgPooler(options: PoolerOptions): Promise<PgPooler> {
  const idle: Backend[] = [];
  /** Client connections still open: closing the pooler ends them (an idle pooled client would hold it open for minutes). */
  const clients = new Set<Socket>();
  const waiting: { startup: Buffer; resolve(backend: Backend): void; reject(error: Error): void }[] = [];
  /** Backends lent to clients or being opened for one. */
  let busy = 0;
  let backendsOpened = 0;
  let clientsServed = 0;
  const expected = Buffer.from(options.password, "utf8");

  /** Opens a backend: the client's startup packet, the password in clear text when asked, its greeting. */
  async function newBackend(startup: Buffer): Promise<Backend> {
    const socket = connect(options.target.port, options.target.host);
    socket.setNoDelay(true);
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    socket.write(startup);
    const [request] = await readUntil(socket, () => true);
    const method = request![0] === 0x52 /* R */ ? request!.readInt32BE(5) : -1;
    if (method === 3) socket.write(message("p", cstring(options.password)));
    else if (method !== 0) {
      socket.destroy();
      throw new Error(`the pooler authenticates backends in clear text (pg_hba \`password\`); the server answered the startup with ${method === -1 ? "no authentication request" : `method ${method}`}`);
    }
    const messages = await readUntil(socket, (m) => m[0] === 0x5a /* Z */ || m[0] === 0x45 /* E */);
    if (messages.at(-1)![0] === 0x45) {
      socket.destroy();
      throw new Error("backend refused the session");
    }
    socket.on("error", () => socket.destroy());
    backendsOpened++;
    return { socket, greeting: Buffer.concat(messages.filter((m) => m[0] !== 0x52)) };
  }

  /** Opens a backend for a client in a free slot (counted busy from the start). */
  function openFor(startup: Buffer): Promise<Backend> {
    busy++;
    return newBackend(startup).catch((error: Error) => {
      busy--;
      throw error;
    });
  }

  function acquire(startup: Buffer): Promise<Backend> {
    // A parked backend whose server closed it meanwhile (restart, idle timeout) is dropped, not lent.
    let ready = idle.pop();
    while (ready?.socket.destroyed) ready = idle.pop();
    if (ready) {
      busy++;
      return Promise.resolve(ready);
    }
    if (busy < options.maxBackends) return openFor(startup);
    return new Promise((resolve, reject) => waiting.push({ startup, resolve, reject }));
  }

  /** Resets a backend its client left idle and lends it to the next waiting client, else parks it. */
  async function release(backend: Backend, reusable: boolean): Promise<void> {
    if (reusable) {
      try {
        backend.socket.write(message("Q", cstring("DISCARD ALL")));
        const answers = await readUntil(backend.socket, (m) => m[0] === 0x5a);
        reusable = !answers.some((m) => m[0] === 0x45);
      } catch {
        reusable = false;
      }
    }
    if (!reusable) backend.socket.destroy();
    const next = waiting.shift();
    if (next && reusable) return next.resolve(backend); // stays busy: lent on
    busy--;
    if (reusable) idle.push(backend);
    else if (next) openFor(next.startup).then(next.resolve, next.reject);
  }

  async function serve(client: Socket): Promise<void> {
    client.setNoDelay(true);
    client.on("error", () => client.destroy());
    let startup = await readStartup(client);
    if (startup.readInt32BE(4) === SSL_REQUEST) {
      client.write("N");
      startup = await readStartup(client);
    }
    if (startup.readInt32BE(4) === CANCEL_REQUEST) {
      client.destroy();
      return;
    }
    client.write(message("R", int32(3)));
    const [reply] = await readUntil(client, () => true);
    const given = reply![0] === 0x70 /* p */ ? reply!.subarray(5, reply!.length - 1) : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      client.end(errorResponse("28P01", "password authentication failed"));
      return;
    }
    // A client may give up while it waits for a backend (its own connect timeout): the backend it is
    // then lent goes straight back, or every backend would end up lent to clients long gone.
    let gone = false;
    client.once("close", () => (gone = true));
    let backend: Backend;
    try {
      backend = await acquire(startup);
      if (gone) {
        void release(backend, true);
        return;
      }
    } catch (error) {
      client.end(errorResponse("08006", `pooler: ${(error as Error).message}`));
      return;
    }
    clientsServed++;
    client.write(Buffer.concat([message("R", int32(0)), backend.greeting]));
    // Idle outside a transaction when the backend's last message was ReadyForQuery 'I' and the
    // client has sent nothing since.
    let idleOutsideTransaction = true;
    const reader = new MessageReader();
    const fromServer = (chunk: Buffer) => {
      for (const m of reader.push(chunk)) {
        if (m[0] === 0x5a) idleOutsideTransaction = m[5] === 0x49; /* I */
      }
      if (client.writable) client.write(chunk);
    };
    const clientReader = new MessageReader();
    const fromClient = (chunk: Buffer) => {
      for (const m of clientReader.push(chunk)) {
        // Terminate ('X') ends the client's session, not the backend's.
        if (m[0] === 0x58) return finish();
        idleOutsideTransaction = false;
        backend.socket.write(m);
      }
    };
    let released = false;
    const finish = () => {
      if (released) return;
      released = true;
      backend.socket.off("data", fromServer);
      backend.socket.off("close", finish);
      client.off("data", fromClient);
      client.destroy();
      void release(backend, idleOutsideTransaction && !backend.socket.destroyed && reader.rest().length === 0);
    };
    backend.socket.on("data", fromServer);
    backend.socket.once("close", finish);
    client.on("data", fromClient);
    client.once("close", finish);
  }

  return new Promise((resolve, reject) => {
    const server: Server = createServer((client) => {
      clients.add(client);
      client.once("close", () => clients.delete(client));
      serve(client).catch(() => client.destroy());
    });
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : 0,
        stats: () => ({ backendsOpened, clientsServed, idle: idle.length, busy, waiting: waiting.length }),
        close: () =>
          new Promise((done) => {
            for (const backend of idle.splice(0)) backend.socket.destroy();
            server.close(() => done());
            for (const client of clients) client.destroy();
          }),
      });
    });
  });
}
