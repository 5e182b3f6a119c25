// An MCP Transport over a child process the pool spawned itself. The SDK's StdioClientTransport
// spawns its own process and offers neither a process group (detached) nor a way to kill one, and
// buffers up to 10 MiB per line; this one frames newline-delimited JSON-RPC over the child's
// stdin/stdout with a cap on a single message: a longer line stops the server with a clear error
// instead of growing memory without bound.
import type { Readable, Writable } from 'node:stream';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export class StdioMessageTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The stdio server sent a message larger than ${maxBytes} bytes (MCP_STDIO_MAX_MESSAGE_BYTES); it was stopped`);
    this.name = 'StdioMessageTooLargeError';
  }
}

export interface ChildStreams {
  stdin: Writable;
  stdout: Readable;
}

export interface ChildProcessTransportOptions {
  maxMessageBytes: number;
  /** Stops the process (and its group); called by close() and on a fatal framing error. */
  terminate: () => Promise<void>;
  /** Resolves when the process has exited. */
  exited: Promise<unknown>;
  /** A fatal error (oversized message): the owner records it before terminate() runs. */
  onFatal?: (error: Error) => void;
}

export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private chunks: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;
  private started = false;

  constructor(
    private readonly streams: ChildStreams,
    private readonly options: ChildProcessTransportOptions,
  ) {}

  async start(): Promise<void> {
    if (this.started) throw new Error('ChildProcessTransport already started');
    this.started = true;
    this.streams.stdout.on('data', this.onData);
    this.streams.stdout.on('error', (error: Error) => this.onerror?.(error));
    // A server that closes its stdout can never answer again: stop it rather than let calls hang.
    this.streams.stdout.on('end', () => {
      if (!this.closed) void this.options.terminate().finally(() => this.finish());
    });
    // EPIPE when the child is gone: reported, the exit closes the transport.
    this.streams.stdin.on('error', (error: Error) => this.onerror?.(error));
    void this.options.exited.then(() => this.finish());
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.closed) return;
    let rest = chunk;
    for (let newline = rest.indexOf(0x0a); newline !== -1; newline = rest.indexOf(0x0a)) {
      const tail = rest.subarray(0, newline);
      if (this.pendingBytes + tail.length > this.options.maxMessageBytes) return this.fatal();
      const line = this.chunks.length ? Buffer.concat([...this.chunks, tail]) : tail;
      this.chunks = [];
      this.pendingBytes = 0;
      rest = rest.subarray(newline + 1);
      this.handleLine(line);
      if (this.closed) return;
    }
    if (rest.length) {
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.options.maxMessageBytes) return this.fatal();
      this.chunks.push(rest);
    }
  };

  private handleLine(line: Buffer): void {
    const text = line.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(text);
    } catch {
      // Not fatal: some servers log to stdout. The content is not repeated (it may hold secrets).
      this.onerror?.(new Error(`The stdio server wrote a line that is not a JSON-RPC message (${line.length} bytes)`));
      return;
    }
    this.onmessage?.(message);
  }

  private fatal(): void {
    this.chunks = [];
    this.pendingBytes = 0;
    this.streams.stdout.off('data', this.onData);
    const error = new StdioMessageTooLargeError(this.options.maxMessageBytes);
    this.options.onFatal?.(error);
    this.onerror?.(error);
    void this.options.terminate().finally(() => this.finish());
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    this.streams.stdout.off('data', this.onData);
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    // Writing to a server that is gone (EPIPE) means the same as its exit: the connection is closed.
    const closedError = () => new McpError(ErrorCode.ConnectionClosed, 'The stdio server is not running');
    if (this.closed || this.streams.stdin.destroyed || !this.streams.stdin.writable) {
      return Promise.reject(closedError());
    }
    return new Promise((resolve, reject) => {
      const ok = this.streams.stdin.write(serializeMessage(message), (error) => (error ? reject(closedError()) : undefined));
      if (ok) resolve();
      else this.streams.stdin.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    await this.options.terminate();
    this.finish();
  }
}
