import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { type DeviceCertificate, makeSelfSignedCertificate } from './certificate';

export type DeviceRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Where one device is reached, and what it has accepted. */
export interface DeviceEndpoint {
  readonly host: string;
  readonly port: number;
  readonly certificate: DeviceCertificate;
  /** TLS connections accepted for this device so far. */
  connections(): number;
  /** Stops accepting for this device and drops its open connections. */
  detach(): Promise<void>;
}

interface Attached {
  readonly handler: DeviceRequestHandler;
  readonly tcp: TcpServer;
  readonly sockets: Set<Socket>;
  connections: number;
}

/** 127.0.0.0/8 is loopback on Linux (every address of it, without configuration); fleets use 127.1.0.1 onwards. */
const FIRST_FLEET_ADDRESS = (127 << 24) | (1 << 16) | 1;
const LAST_FLEET_ADDRESS = (127 << 24) | 0xfffffe;

function dotted(address: number): string {
  return [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join('.');
}

/**
 * One HTTPS server (one TLS context, one HTTP parser pool, one certificate) for many simulated devices. Each device
 * keeps an address of its own, as a device on a network has: a TCP listener on its own loopback address
 * (127.x.y.z, at the listener's one port), which hands every connection it accepts to the shared server; the
 * server routes each request to the device by the address the client connected to. The product's device client is
 * unchanged (it connects to `host:port` from the secret and pins the certificate's fingerprint), the ledger sees one
 * device per address, and nothing listens beyond loopback. A TCP listener is a file descriptor and a few KB; an HTTPS
 * server of its own per device costs about 10 times that, and its TLS context.
 */
export class SharedDeviceListener {
  private readonly server: Server;
  private readonly attached = new Map<string, Attached>();
  private port = 0;
  private nextAddress = FIRST_FLEET_ADDRESS;

  private constructor(readonly certificate: DeviceCertificate) {
    this.server = createServer({ key: certificate.privateKeyPem, cert: certificate.certificatePem }, (req, res) => {
      const device = this.attached.get(endpointKey(req.socket.localAddress, req.socket.localPort));
      if (device === undefined) {
        req.socket.destroy();
        return;
      }
      device.handler(req, res);
    });
    this.server.on('secureConnection', (socket: Socket) => {
      const device = this.attached.get(endpointKey(socket.localAddress, socket.localPort));
      if (device !== undefined) device.connections += 1;
    });
    // A client that refuses our certificate closes mid-handshake; that is expected, not an error.
    this.server.on('tlsClientError', () => undefined);
  }

  /** A listener serving `certificate` (default: a fresh self-signed one) for every device attached to it. */
  static async start(certificate?: DeviceCertificate): Promise<SharedDeviceListener> {
    return new SharedDeviceListener(certificate ?? (await makeSelfSignedCertificate('fleet.simulator.local')));
  }

  /**
   * Serves `handler` at an address of its own: by default the next free fleet loopback address at this listener's
   * port (chosen by the first device); `at` asks for one (e.g. 127.0.0.1 and port 0 for any free port).
   */
  async attach(handler: DeviceRequestHandler, at?: { host: string; port: number }): Promise<DeviceEndpoint> {
    const tcp = createTcpServer();
    const sockets = new Set<Socket>();
    const bound = await this.bind(tcp, at);
    const key = endpointKey(bound.host, bound.port);
    const device: Attached = { handler, tcp, sockets, connections: 0 };
    tcp.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      this.server.emit('connection', socket);
    });
    this.attached.set(key, device);
    return {
      host: bound.host,
      port: bound.port,
      certificate: this.certificate,
      connections: () => device.connections,
      detach: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          tcp.close(() => {
            this.attached.delete(key);
            resolve();
          });
        }),
    };
  }

  /** Devices attached now. */
  size(): number {
    return this.attached.size;
  }

  /** Detaches every device still attached. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.attached.values()].map(
        (device) =>
          new Promise<void>((resolve) => {
            for (const socket of device.sockets) socket.destroy();
            device.tcp.close(() => resolve());
          }),
      ),
    );
    this.attached.clear();
  }

  private async bind(tcp: TcpServer, at: { host: string; port: number } | undefined): Promise<{ host: string; port: number }> {
    if (at !== undefined) {
      await listen(tcp, at.port, at.host);
      return { host: at.host, port: (tcp.address() as AddressInfo).port };
    }
    for (; this.nextAddress <= LAST_FLEET_ADDRESS; this.nextAddress += 1) {
      const low = this.nextAddress & 255;
      if (low === 0 || low === 255) continue;
      const host = dotted(this.nextAddress);
      try {
        await listen(tcp, this.port, host);
      } catch (error) {
        // Someone else holds this address at our port: the next one.
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw error;
      }
      this.nextAddress += 1;
      this.port = (tcp.address() as AddressInfo).port;
      return { host, port: this.port };
    }
    throw new Error('the shared device listener ran out of loopback addresses');
  }
}

function endpointKey(host: string | undefined, port: number | undefined): string {
  return `${host ?? ''}:${port ?? 0}`;
}

function listen(tcp: TcpServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    tcp.once('error', onError);
    tcp.listen(port, host, () => {
      tcp.removeListener('error', onError);
      resolve();
    });
  });
}
