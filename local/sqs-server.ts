import { buildApp } from 'fauxqs';
import { LOOPBACK_HOST } from './cloudfront-emulator/constants.ts';

export interface LocalSqsServer {
  /** `http://127.0.0.1:PORT`: the SDK client's `endpoint`. Queue URLs use host `sqs.REGION.localhost`. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Start fauxqs in this process on 127.0.0.1. (`startFauxqs` listens on every interface; its `buildApp` lets us
 * choose the address.)
 *
 * @param port - TCP port; 0 picks a free one
 */
export async function startLocalSqs(port = 0): Promise<LocalSqsServer> {
  const app = buildApp({ logger: false });
  await app.listen({ port, host: LOOPBACK_HOST });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK_HOST}:${bound}`,
    port: bound,
    close: () => (closing ??= app.close().then(() => undefined)),
  };
}
