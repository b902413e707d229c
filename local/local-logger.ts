import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import { DEFAULT_SERVICE_NAME } from '../lambda/defaults.ts';

/** One log entry of the handler, as local mode sees it. */
export interface HandlerLogEntry {
  /** `INFO`, `WARN`, `ERROR`... */
  readonly level: string;
  readonly message: string;
  /** Every other attribute: the pipeline's fields (distributionId, errorCode...) and the Lambda context. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface LocalLoggerOptions {
  /** Receives every entry the handler logs. */
  readonly onEntry: (entry: HandlerLogEntry) => void;
  /** Also print the JSON lines, as Lambda would write them to CloudWatch. @default false */
  readonly verbose?: boolean;
  /** @default DEFAULT_SERVICE_NAME */
  readonly serviceName?: string;
}

/**
 * The handler's Powertools Logger, for local mode: it hands every entry to a listener (which prints one human
 * line for what matters) and prints the JSON only when asked.
 */
export class LocalLogger extends Logger {
  // Plain fields, not #private: Logger's constructor may log before a subclass's fields exist.
  private onEntry?: (entry: HandlerLogEntry) => void;
  private verbose?: boolean;

  public constructor(options: LocalLoggerOptions) {
    // INFO whatever POWERTOOLS_LOG_LEVEL says: the human lines come from INFO entries.
    super({ serviceName: options.serviceName ?? DEFAULT_SERVICE_NAME, logLevel: 'INFO' });
    this.onEntry = options.onEntry;
    this.verbose = options.verbose ?? false;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (this.verbose) super.printLog(logLevel, log);
    const { level, message, ...fields } = log.getAttributes() as Record<string, unknown>;
    this.onEntry?.({ level: String(level), message: String(message), fields });
  }
}
