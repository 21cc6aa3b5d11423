import { getFixtureAsHandleEventRequest, getLatestAPIRequest } from '../vendor/test';
import { plugin, types } from '../vendor/teleport';
import { handleEvent } from './index';

// Main test function
export function test(): void {
    const request = getFixtureAsHandleEventRequest(4)

    handleEvent(request)
    handleEvent(request)
    handleEvent(request)

    const response = plugin.HandleEventResponse.decode(handleEvent(request))
    assert(response != null, "Event has not been processed")

    const apiRequest = getLatestAPIRequest()
    assert(apiRequest != null, "API request is missing")

    const lock = types.LockV2.decode(apiRequest)
    assert(lock.Spec.Target.Login == "foo", "Lock user foo has not been generated")
    assert(lock.Spec.Message == "Suspicious login activity", "Lock has the wrong message: " + lock.Spec.Message)
}
