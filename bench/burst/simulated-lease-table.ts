import { DeleteItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { LEASE_TABLE } from '../../lambda/submit/lease-table.ts';
import type { VirtualClock } from './virtual-time.ts';

/**
 * The send leases' DynamoDB table for the burst simulation, at the SDK-command level: the two conditional writes
 * lambda/submit/send-lease.ts makes (PutItem unless a lease lives, DeleteItem by its holder), answered in virtual
 * time, a failed condition thrown as the SDK throws it. It models that table only, not DynamoDB's expression
 * language; test/emulator/send-lease.test.ts checks what these writes do against dynalite and moto.
 */
export class SimulatedLeaseTable {
  /** Calls by operation and outcome. */
  public readonly counts = { putItem: 0, putRefused: 0, deleteItem: 0, deleteRefused: 0 };
  readonly #clock: VirtualClock;
  readonly #latencyMs: number;
  readonly #items = new Map<string, { holder: string; expiresAtMs: number }>();

  public constructor(options: { readonly clock: VirtualClock; readonly latencyMs: number }) {
    this.#clock = options.clock;
    this.#latencyMs = options.latencyMs;
  }

  public client(): { send(command: unknown): Promise<unknown> } {
    return { send: (command) => this.#send(command) };
  }

  async #send(command: unknown): Promise<unknown> {
    await this.#clock.sleep(this.#latencyMs);
    if (command instanceof PutItemCommand) return this.#put(command);
    if (command instanceof DeleteItemCommand) return this.#delete(command);
    throw new Error(`the burst simulation does not model ${(command as object)?.constructor?.name ?? typeof command}`);
  }

  #put(command: PutItemCommand): object {
    this.counts.putItem++;
    const item = command.input.Item ?? {};
    const key = text(item[LEASE_TABLE.partitionKey]);
    const now = Number(command.input.ExpressionAttributeValues?.[':now']?.N);
    const live = this.#items.get(key);
    if (live !== undefined && !(live.expiresAtMs < now)) {
      this.counts.putRefused++;
      throw conditionFailed();
    }
    this.#items.set(key, { holder: text(item[LEASE_TABLE.holder]), expiresAtMs: Number(item[LEASE_TABLE.expiresAtMs]?.N) });
    return {};
  }

  #delete(command: DeleteItemCommand): object {
    this.counts.deleteItem++;
    const key = text(command.input.Key?.[LEASE_TABLE.partitionKey]);
    const holder = text(command.input.ExpressionAttributeValues?.[':holder']);
    if (this.#items.get(key)?.holder !== holder) {
      this.counts.deleteRefused++;
      throw conditionFailed();
    }
    this.#items.delete(key);
    return {};
  }
}

function text(value: AttributeValue | undefined): string {
  return value?.S ?? '';
}

function conditionFailed(): Error {
  return Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
}
