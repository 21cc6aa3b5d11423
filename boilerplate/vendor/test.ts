// Host functions for tests. They exist only under `teleport-plugin-framework test`; a production build
// that imports this module cannot be loaded by `run`.

// getFixture returns fixture number `n` (fixtures/<n>-<name>.json) as protobuf-encoded events.OneOf.
@external("test", "getFixture")
export declare function getFixture(n: i32): ArrayBuffer;

// getFixtureAsHandleEventRequest returns fixture number `n` wrapped in a protobuf-encoded
// plugin.HandleEventRequest, ready to pass to handleEvent.
@external("test", "getFixtureAsHandleEventRequest")
export declare function getFixtureAsHandleEventRequest(n: i32): ArrayBuffer;

// getLatestAPIRequest returns the last request the plugin sent to the (mocked) Teleport API, for example
// the protobuf-encoded types.LockV2 of the latest upsertLock call; an empty buffer when there was none.
@external("test", "getLatestAPIRequest")
export declare function getLatestAPIRequest(): ArrayBuffer;
