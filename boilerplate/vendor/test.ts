// Host functions for tests. They exist only under `teleport-plugin-framework test`; a production build
// that imports this module cannot be loaded by `run`. AssemblyScript imports a declared function from the
// module named after its file, so the host provides these as test.getFixture, ...

// getFixture returns fixture number `n` (fixtures/<n>-<name>.json) as protobuf-encoded events.OneOf.
export declare function getFixture(n: i32): ArrayBuffer;

// getFixtureAsHandleEventRequest returns fixture number `n` wrapped in a protobuf-encoded
// plugin.HandleEventRequest, ready to pass to handleEvent.
export declare function getFixtureAsHandleEventRequest(n: i32): ArrayBuffer;

// hasLatestAPIRequest tells whether the plugin sent a request to the (mocked) Teleport API in this test.
@external("test", "hasLatestAPIRequest")
declare function hasLatestAPIRequest(): bool;

// latestAPIRequestBytes is the host's copy of the latest request; an empty buffer when there was none.
@external("test", "getLatestAPIRequest")
declare function latestAPIRequestBytes(): ArrayBuffer;

// getLatestAPIRequest returns the last request the plugin sent to the (mocked) Teleport API, for example
// the protobuf-encoded types.LockV2 of the latest upsertLock call, or null when there was none. It is
// declared ArrayBuffer, not ArrayBuffer | null, so that the result can be passed on after
// `assert(apiRequest != null, ...)` (AssemblyScript does not narrow a type after an assert): check it
// before use.
export function getLatestAPIRequest(): ArrayBuffer {
  return hasLatestAPIRequest() ? latestAPIRequestBytes() : changetype<ArrayBuffer>(0);
}
