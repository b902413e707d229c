import { InvalidatorError } from '../errors.ts';

/**
 * CloudFront could not be asked which tenant serves a host (GetDistributionTenantByDomain throttled, denied, timed
 * out). Not an InvalidMessageError: the message is not dead-lettered but read again on a later receive.
 */
export class TenantLookupError extends InvalidatorError {
  public readonly hostname: string;
  public readonly error: string;

  public constructor(hostname: string, error: string) {
    super(`could not look up the distribution tenant of host ${JSON.stringify(hostname)}: ${error}`);
    this.name = 'TenantLookupError';
    this.hostname = hostname;
    this.error = error;
  }
}
