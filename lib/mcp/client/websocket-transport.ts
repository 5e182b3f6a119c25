// MCP over WebSocket through the guarded socket. The SDK's own WebSocketClientTransport opens a
// global WebSocket (absent on Node 20, and it would bypass the address checks), so this is the
// same small protocol — subprotocol "mcp", one JSON-RPC message per text frame — on `ws`.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type WebSocket from 'ws';
import { guardedWebSocket } from '../guarded-fetch';

export class GuardedWebSocketTransport implements Transport {
  private socket?: WebSocket;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    if (this.socket) throw new Error('transport already started');
    const socket = await guardedWebSocket(this.url, 'mcp', { headers: this.headers });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (error) => reject(error));
    });
    socket.on('error', (error) => this.onerror?.(error));
    socket.on('close', () => this.onclose?.());
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.onerror?.(new Error('binary WebSocket frames are not MCP messages'));
      try {
        this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(String(data))));
      } catch (error) {
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const socket = this.socket;
    if (!socket) throw new Error('Not connected');
    await new Promise<void>((resolve, reject) => socket.send(JSON.stringify(message), (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    this.socket?.close();
  }
}
