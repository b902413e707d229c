// dynalite ships no types. What local/lease-table.ts uses of it: the factory, which returns an http.Server whose
// close() also closes the store.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** How long a new table stays CREATING, in milliseconds. @default 500 */
    readonly createTableMs?: number;
    /** How long a deleted table stays DELETING, in milliseconds. @default 500 */
    readonly deleteTableMs?: number;
    /** How long an updated table stays UPDATING, in milliseconds. @default 500 */
    readonly updateTableMs?: number;
  }

  /** A DynamoDB server, in memory unless given a path (not used here); call listen() on it. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
