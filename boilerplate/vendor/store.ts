// Token store: count events per scope within a time window. The host keeps the counts (in memory under
// `test`, in the configured store under `run`), so they survive between handleEvent calls and are shared by
// every instance of the plugin. AssemblyScript imports a declared function from the module named after its
// file, so the host provides these as store.takeToken and store.releaseTokens.

// takeToken adds a token to `scope` that expires after `ttl` seconds and returns how many live tokens the
// scope holds now, including the new one.
export declare function takeToken(scope: string, ttl: i32): i32;

// releaseTokens removes every token of `scope`.
export declare function releaseTokens(scope: string): void;
