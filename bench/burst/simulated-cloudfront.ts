import {
  CreateInvalidationCommand,
  GetInvalidationCommand,
  ListInvalidationsCommand,
  type CreateInvalidationCommandOutput,
  type GetInvalidationCommandOutput,
  type ListInvalidationsCommandOutput,
} from '@aws-sdk/client-cloudfront';
import { DEFAULT_LIST_MAX_ITEMS } from '../../local/cloudfront-emulator/constants.ts';
import { CloudFrontApiError } from '../../local/cloudfront-emulator/errors.ts';
import { InvalidationStore } from '../../local/cloudfront-emulator/invalidation-store.ts';
import type { PathCounts } from '../../local/cloudfront-emulator/rules.ts';
import type { InvalidationRecord } from '../../local/cloudfront-emulator/types.ts';
import type { VirtualClock } from './virtual-time.ts';

/**
 * CloudFront for the burst simulation, at the SDK-command level: the CloudFront emulator's own store (its rules,
 * in-progress limits, CallerReference replays, newest-first paging) behind a client whose `send(command)` answers
 * in virtual time, and throws errors shaped as the SDK throws them (`name` the code, `$metadata.httpStatusCode`).
 */

export interface SimulatedCloudFrontOptions {
  readonly clock: VirtualClock;
  /** Epoch milliseconds at virtual time 0 (CreateTime). */
  readonly epochMs: number;
  readonly distributions: readonly string[];
  /** Draws one invalidation's time in progress, in milliseconds. */
  readonly completionDelayMs: () => number;
  /** Virtual milliseconds each call takes. */
  readonly latencyMs: number;
  /** @default - CloudFront's 3,000 file paths and 15 wildcard paths */
  readonly inProgressLimits?: PathCounts;
}

/** What a created invalidation was, for the figures. */
export interface CreatedInvalidation {
  readonly distributionId: string;
  readonly id: string;
  readonly paths: readonly string[];
  /** Virtual milliseconds. */
  readonly createdAtMs: number;
  readonly completesAtMs: number;
}

/** Calls by operation and outcome. */
export interface CloudFrontCallCounts {
  createInvalidation: number;
  created: number;
  replayed: number;
  /** TooManyInvalidationsInProgress answers. */
  refusedInProgress: number;
  /** Every other error answer (by code in `errors`). */
  otherErrors: number;
  listInvalidations: number;
  getInvalidation: number;
  readonly errors: Record<string, number>;
}

export class SimulatedCloudFront {
  public readonly created: CreatedInvalidation[] = [];
  public readonly counts: CloudFrontCallCounts = {
    createInvalidation: 0,
    created: 0,
    replayed: 0,
    refusedInProgress: 0,
    otherErrors: 0,
    listInvalidations: 0,
    getInvalidation: 0,
    errors: {},
  };
  readonly #clock: VirtualClock;
  readonly #epochMs: number;
  readonly #latencyMs: number;
  readonly #store: InvalidationStore;
  readonly #drawDelay: () => number;
  #lastDelayMs = 0;

  public constructor(options: SimulatedCloudFrontOptions) {
    this.#clock = options.clock;
    this.#epochMs = options.epochMs;
    this.#latencyMs = options.latencyMs;
    this.#drawDelay = options.completionDelayMs;
    this.#store = new InvalidationStore({
      distributions: options.distributions,
      now: () => this.#epochMs + this.#clock.now,
      // Drawn only for an invalidation the store accepts (after its checks), so refusals do not move the sequence.
      completionDelayMs: () => (this.#lastDelayMs = this.#drawDelay()),
      ...(options.inProgressLimits === undefined ? {} : { inProgressLimits: options.inProgressLimits }),
    });
  }

  /** A client to hand the handler as its CloudFrontClient: only `send` is used. */
  public client(): { send(command: unknown): Promise<unknown> } {
    return { send: (command) => this.#send(command) };
  }

  async #send(command: unknown): Promise<unknown> {
    await this.#clock.sleep(this.#latencyMs);
    try {
      if (command instanceof CreateInvalidationCommand) return this.#create(command);
      if (command instanceof ListInvalidationsCommand) return this.#list(command);
      if (command instanceof GetInvalidationCommand) return this.#get(command);
    } catch (error) {
      if (error instanceof CloudFrontApiError) throw this.#sdkError(error);
      throw error;
    }
    throw new Error(`the burst simulation does not model ${(command as object)?.constructor?.name ?? typeof command}`);
  }

  #create(command: CreateInvalidationCommand): CreateInvalidationCommandOutput {
    this.counts.createInvalidation++;
    const { DistributionId, InvalidationBatch } = command.input;
    const paths = InvalidationBatch?.Paths?.Items ?? [];
    const { invalidation, replayed } = this.#store.create(DistributionId ?? '', {
      quantity: InvalidationBatch?.Paths?.Quantity ?? 0,
      paths,
      callerReference: InvalidationBatch?.CallerReference ?? '',
    });
    if (replayed) {
      this.counts.replayed++;
    } else {
      this.counts.created++;
      const createdAtMs = this.#clock.now;
      this.created.push({ distributionId: invalidation.distributionId, id: invalidation.id, paths, createdAtMs, completesAtMs: createdAtMs + this.#lastDelayMs });
    }
    return { $metadata: { httpStatusCode: 201 }, Location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${DistributionId}/invalidation/${invalidation.id}`, Invalidation: invalidationOutput(invalidation) };
  }

  #list(command: ListInvalidationsCommand): ListInvalidationsCommandOutput {
    this.counts.listInvalidations++;
    const marker = command.input.Marker ?? '';
    const maxItems = command.input.MaxItems ?? DEFAULT_LIST_MAX_ITEMS;
    const page = this.#store.list(command.input.DistributionId ?? '', { marker, maxItems });
    return {
      $metadata: { httpStatusCode: 200 },
      InvalidationList: {
        Marker: marker,
        ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
        MaxItems: maxItems,
        IsTruncated: page.isTruncated,
        Quantity: page.items.length,
        ...(page.items.length === 0 ? {} : { Items: page.items.map((item) => ({ Id: item.id, CreateTime: item.createTime, Status: item.status })) }),
      },
    };
  }

  #get(command: GetInvalidationCommand): GetInvalidationCommandOutput {
    this.counts.getInvalidation++;
    const invalidation = this.#store.get(command.input.DistributionId ?? '', command.input.Id ?? '');
    return { $metadata: { httpStatusCode: 200 }, Invalidation: invalidationOutput(invalidation) };
  }

  /** As the SDK throws a service error: `name` is CloudFront's code, with the HTTP status in `$metadata`. */
  #sdkError(error: CloudFrontApiError): Error {
    if (error.code === 'TooManyInvalidationsInProgress') this.counts.refusedInProgress++;
    else this.counts.otherErrors++;
    this.counts.errors[error.code] = (this.counts.errors[error.code] ?? 0) + 1;
    return Object.assign(new Error(error.message), {
      name: error.code,
      $fault: error.type === 'Sender' ? 'client' : 'server',
      $metadata: { httpStatusCode: error.statusCode, attempts: 1, totalRetryDelay: 0 },
      Code: error.code,
    });
  }
}

function invalidationOutput(invalidation: InvalidationRecord) {
  return {
    Id: invalidation.id,
    Status: invalidation.status,
    CreateTime: invalidation.createTime,
    InvalidationBatch: {
      Paths: { Quantity: invalidation.paths.length, Items: [...invalidation.paths] },
      CallerReference: invalidation.callerReference,
    },
  };
}
