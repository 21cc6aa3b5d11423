// Host functions for tests. They exist only under `teleport-plugin-framework test`; a production build
// that imports this module cannot be loaded by `run`. AssemblyScript imports a declared function from the
// module named after its file, so the host provides these as test.getFixture, ...

// getFixture returns fixture number `n` (fixtures/<n>-<name>.json) as protobuf-encoded events.OneOf.
export declare function getFixture(n: i32): ArrayBuffer;

// getFixtureAsHandleEventRequest returns fixture number `n` wrapped in a protobuf-encoded
// plugin.HandleEventRequest, ready to pass to handleEvent.
export declare function getFixtureAsHandleEventRequest(n: i32): ArrayBuffer;

// getLatestAPIRequest returns the last request the plugin sent to the (mocked) Teleport API, for example
// the protobuf-encoded types.LockV2 of the latest upsertLock call; an empty buffer when there was none.
export declare function getLatestAPIRequest(): ArrayBuffer;
