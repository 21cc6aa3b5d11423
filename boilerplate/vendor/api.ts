// Teleport API calls. Under `test` they go to a recording mock (see getLatestAPIRequest in ./test.ts).
// AssemblyScript imports a declared function from the module named after its file: api.upsertLock.
import { events, google, types } from './teleport';

// upsertLock creates or replaces a lock; `lock` is a protobuf-encoded types.LockV2.
export declare function upsertLock(lock: ArrayBuffer): void;

// createLock locks out `user` for `ttlSeconds` seconds from now, showing `message` to them.
export function createLock(user: events.UserMetadata, ttlSeconds: i64, message: string): void {
    // Date.now() is in milliseconds; Timestamp.seconds is in seconds.
    const nowSeconds: i64 = Date.now() / 1000;

    const lock = new types.LockV2();
    lock.Kind = "lock";
    lock.Version = "v2";
    lock.Metadata.Name = "plugin-lock-" + user.User + "-" + nowSeconds.toString();

    lock.Spec.Target.User = user.User;
    lock.Spec.Target.Login = user.Login;
    lock.Spec.Message = message;

    const expires = new google.protobuf.Timestamp();
    expires.seconds = nowSeconds + ttlSeconds;
    lock.Spec.Expires = expires;

    upsertLock(lock.encode());
}
